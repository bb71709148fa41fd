"""The problem list: diagnoses and symptoms under management, found in the
assessment and plan (and the chief complaint), each with its context and its
ICD-10-CM codes.

- Candidates: short headline lines of an assessment ("Hypertension.",
  "1. Right knee MCL strain."), the chief complaint, and the problem a
  clinician names in dictation ("for your first problem, your reflux", "from a
  diabetes standpoint", "I think you have a lumbar strain").
- Context: negspacy's NegEx (the maintained clinical negation component), run
  once per context with its termsets: negated ("no evidence of"), possible
  ("rule out", "concern for"), history ("history of", "status post"), family
  ("mother", "family history of"). Only active and possible problems are the
  list; the others are kept apart with their status.
- Codes: ICD-10-CM hits from the terminology index, re-ranked by how much of the
  problem's wording the code's title covers (abbreviations and lay terms
  expanded by the index's expander), then specific (billable) codes first. A
  problem whose best code covers less than `MIN_COVERAGE` of its words stays
  uncoded rather than wrongly coded; a dictated candidate that no code covers
  is not a problem at all and is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from reportgen.report import Code, Problem
from reportgen.terminology.index import Terminology
from reportgen.terminology.terms import Hit

MIN_COVERAGE = 0.67
_CANDIDATE_HITS = 20
_MAX_PROBLEMS = 12
_MAX_WORDS = 10
_WORD = re.compile(r"[a-z0-9]+")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)]|[a-z][.)])\s*", re.I)
_FILLER_WORDS = frozenset("the a an of and or with in on to for patient patient's his her their your my some this that "
                          "new chronic".split())
# Words a code title may add without being more specific than the problem said.
_NEUTRAL = frozenset("essential primary unspecified other type disorder disease specified site mellitus "
                     "without complication complications initial encounter of and the in with to or due by "
                     "not elsewhere classified nos".split())
_VERBS = re.compile(r"\b(?:will|we|i|you|is|are|was|were|has|have|had|continue|start|order|recommend|discussed|"
                    r"reports|denies|states|should|would|can|could|please|ordered|prescribed|referred|scheduled|"
                    r"started)\b", re.I)
# Words that name no problem on their own ("at this time", "any", "the pain").
_GENERIC = frozenset("time today any had pain problem problems issue issues symptom symptoms condition things thing "
                     "stuff something everything anything nothing well fine good better worse right left one two "
                     "first second last next other standpoint perspective".split())
# ICD-10-CM chapter 20 (V00-Y99): external causes, not problems.
_EXTERNAL_CAUSE = re.compile(r"^[VWXY]")
# Pregnancy (O) and perinatal (P) codes only when the problem says so ("smoking" is not O99.33).
_CHAPTER_WORDS = {"O": re.compile(r"pregnan|obstetric|labou?r|deliver|postpartum|puerper|gestation|trimester", re.I),
                  "P": re.compile(r"newborn|neonat|perinatal|fetus|fetal|prematur", re.I)}
_NAMED_END = r"(?=\s*(?:[,.;:?!]|$|\band\s+(?:i|we|you|the patient)\b|\b(?:standpoint|perspective|we|i|i'm|you|it|that|which|is|are|was|has|so|because|but)\b))"
_NAMED = [
    re.compile(r"\b(?:for|regarding|in terms of|with regards? to|as for|as far as)\s+(?:(?:the patient's|your|his|her|their|the|this|that)\s+)?"
               r"(?:(?:first|second|third|fourth|next|last|final|other)\s+)?(?:problem|issue|diagnosis)?,?\s*(?:of\s+)?"
               r"(?:(?:the patient's|your|his|her|their|the|this)\s+)?(?P<p>[a-z][a-z0-9' -]{2,50}?)" + _NAMED_END, re.I),
    re.compile(r"\bfrom an? (?P<p>[a-z][a-z0-9' -]{2,40}?) (?:standpoint|perspective)\b", re.I),
    re.compile(r"\b(?:I think (?:the patient has|you have|it's|this is)|I believe (?:the patient has|you have|it's)|"
               r"consistent with|diagnosis (?:here )?(?:is|of|would be)|diagnosed with|impression (?:is|of)(?: that)?|"
               r"assessment is|what I see is|(?:the patient|you) (?:probably |actually |likely )?(?:has|have) (?=a |an )|"
               r"sounds like)\s+(?:(?:the patient|you) (?:probably |likely )?(?:has|have)\s+)?(?:(?:a|an|some|the|mild|moderate|severe)\s+)*"
               r"(?P<p>[a-z][a-z0-9' -]{2,50}?)" + _NAMED_END, re.I),
]
_TERMSETS = {
    "possible": {"preceding_negations": ["rule out", "r/o", "ruling out", "concern for", "concerned about", "suspected",
                                         "suspicion of", "possible", "probable", "questionable", "evaluate for",
                                         "may have", "might have", "could be", "differential includes", "likely"],
                 "following_negations": ["is suspected", "cannot be ruled out", "can't be ruled out", "is possible"]},
    "history": {"preceding_negations": ["history of", "h/o", "hx of", "status post", "s/p", "previous", "prior",
                                        "past medical history of", "remote"],
                "following_negations": ["in the past", "years ago", "resolved"]},
    "family": {"preceding_negations": ["family history of", "mother", "father", "sister", "brother", "mom", "dad",
                                       "grandmother", "grandfather", "aunt", "uncle", "son", "daughter", "parents"],
               "following_negations": ["runs in the family", "in the family", "in her family", "in his family"]},
}


@dataclass
class _Candidate:
    text: str
    sentence: str
    start: int  # character offsets of text within sentence
    end: int
    headline: bool  # written as a line of its own: kept even if uncoded


def find_problems(assessment_texts: list[str], chief_complaint: str, terminology: Terminology | None,
                  k: int = 3, other_texts: Sequence[str] = ()) -> list[Problem]:
    """The problem list, active and possible problems first; coded when a terminology is given.
    `other_texts` (the rest of the report) are searched only for a diagnosis stated outright
    ("I think you have a lumbar strain"): a transcript's diagnosis is not always in its plan."""
    candidates = [*_headlines(chief_complaint, max_lines=1)]
    for text in assessment_texts:
        candidates += _headlines(text) + _named(text) + _listed(text)
    for text in other_texts:
        candidates += _named(text, _NAMED[2:]) + _listed(text)
    problems: list[Problem] = []
    seen: set[str] = set()
    for candidate, status in zip(candidates, _statuses(candidates)):
        key = " ".join(_content(candidate.text))
        if not key or key in seen:
            continue
        leading = _leading_cue(candidate.text)
        codes = code(leading[1] if leading else candidate.text, terminology, k) if terminology is not None else []
        if not codes and not candidate.headline:
            continue  # a dictated phrase no code covers (or none could be checked) is not taken for a problem
        seen.add(key)
        problems.append(Problem(text=candidate.text, status=status, codes=codes))
    order = {"active": 0, "possible": 1, "history": 2, "family": 3, "negated": 4}
    return sorted(problems, key=lambda p: order[p.status])[:_MAX_PROBLEMS]


def _headlines(text: str, max_lines: int | None = None) -> list[_Candidate]:
    """Short lines that are a problem's name ("1. CHF.", "Hypertension:")."""
    found = []
    for line in text.splitlines():
        item = _BULLET.sub("", line.strip()).strip().rstrip(".:;")
        if not item or (line.strip().startswith(("•", "-", "*")) and ":" in item[:40]):
            continue  # "• Medical Reasoning: ..." belongs to the problem above
        words = item.split()
        if len(words) <= _MAX_WORDS and not item.endswith("?") and not _VERBS.search(item) and _content(item):
            found.append(_Candidate(item, item, 0, len(item), True))
    return found[:max_lines] if max_lines else found


def _named(text: str, patterns: Sequence[re.Pattern[str]] = _NAMED) -> list[_Candidate]:
    """Problems a clinician names in a sentence ("from a diabetes standpoint")."""
    found = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        for pattern in patterns:
            for m in pattern.finditer(sentence):
                phrase = _trim(m.group("p"))
                if _content(phrase) and len(phrase.split()) <= 6:
                    start = m.start("p") + m.group("p").find(phrase)
                    found.append(_Candidate(phrase, sentence, start, start + len(phrase), False))
    return found


_HISTORY_LIST = re.compile(r"\b(?:medical history|history) (?:significant |notable )?(?:for|of) (?P<list>[a-z0-9 ,'/-]{3,160}?)"
                           r"(?=[.;]| who | that | and (?:who|presents|is|was)\b|$)", re.I)


def _listed(text: str) -> list[_Candidate]:
    """The conditions of "a past medical history significant for X, Y and Z"."""
    found = []
    for m in _HISTORY_LIST.finditer(text):
        sentence_start = text.rfind(".", 0, m.start()) + 1
        sentence = text[sentence_start : text.find(".", m.end()) if "." in text[m.end():] else len(text)]
        offset = m.start("list") - sentence_start
        for part in re.finditer(r"[^,]+", m.group("list")):
            for item in re.split(r"\s+and\s+|\s+or\s+", part.group(0)):
                phrase = _trim(item)
                if _content(phrase) and len(phrase.split()) <= 6:
                    start = offset + part.start() + part.group(0).find(phrase)
                    found.append(_Candidate(phrase, sentence, start, start + len(phrase), False))
    return found


def _trim(phrase: str) -> str:
    words = phrase.strip(" ,'-").split()
    while words and words[0].lower() in _FILLER_WORDS:
        words.pop(0)
    while words and words[-1].lower() in _FILLER_WORDS:
        words.pop()
    return " ".join(words)


def _content(text: str) -> list[str]:
    """Words that can name a problem: not fillers, not generic."""
    return [w for w in _WORD.findall(text.lower()) if w not in _FILLER_WORDS and w not in _GENERIC]


def _statuses(candidates: list[_Candidate]) -> list[str]:
    """NegEx over each candidate's sentence: family, history, possible, negated, else active."""
    nlp = _nlp()
    statuses = []
    for candidate in candidates:
        if leading := _leading_cue(candidate.text):
            statuses.append(leading[0])  # "History of asthma", "No pneumonia": the cue opens the problem itself
            continue
        doc = nlp.make_doc(candidate.sentence)
        span = doc.char_span(candidate.start, candidate.end, label="PROBLEM", alignment_mode="expand")
        if span is None:
            statuses.append("active")
            continue
        for _, component in nlp.pipeline:
            doc = component(doc)
            if not doc.ents:
                doc.ents = [span]
        ent = doc.ents[0]
        status = next((name for name in ("family", "history", "possible") if getattr(ent._, name)), None)
        statuses.append(status or ("negated" if ent._.negex else "active"))
    return statuses


def _leading_cue(text: str) -> tuple[str, str] | None:
    """(status, the problem without its cue) when a context cue opens the text ("History of asthma")."""
    lowered = text.lower()
    for status, cues in (*((name, terms["preceding_negations"]) for name, terms in _TERMSETS.items()), ("negated", _negations())):
        for cue in cues:
            if lowered.startswith(cue + " "):
                return status, text[len(cue) + 1 :].strip()
    return None


@lru_cache(maxsize=1)
def _negations() -> list[str]:
    """NegEx's clinical cues that precede a negated term, less the rule-out ones (those mean possible)."""
    from negspacy.termsets import termset

    possible = set(_TERMSETS["possible"]["preceding_negations"])
    return [t for t in termset("en_clinical").get_patterns()["preceding_negations"]
            if t not in possible and not t.startswith(("rule", "ruled", "r/o"))]


@lru_cache(maxsize=1)
def _nlp():  # -> spacy.language.Language
    import spacy
    from negspacy.negation import Negex  # noqa: F401  (registers the "negex" factory)
    from negspacy.termsets import termset

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    clinical = termset("en_clinical").get_patterns()
    negation = {**clinical, "preceding_negations": _negations()}
    nlp.add_pipe("negex", name="negex", config={"neg_termset": negation, "extension_name": "negex"})
    for name, cues in _TERMSETS.items():
        terms = {"pseudo_negations": ["no history of"] if name == "history" else [], "termination": clinical["termination"], **cues}
        nlp.add_pipe("negex", name=name, config={"neg_termset": terms, "extension_name": name})
    return nlp


def code(text: str, terminology: Terminology, k: int = 3) -> list[Code]:
    """Up to k ICD-10-CM codes whose titles cover the problem's wording, most specific first; [] below the floor."""
    hits = terminology.search(text, _CANDIDATE_HITS, "icd10cm")
    if not hits:
        return []
    words = set(_stems(text))
    alternatives = [words]
    if terminology.expander is not None:
        expanded = set(_stems(terminology.expander.expand(text))) - words
        if expanded:
            alternatives.append(expanded)
    ranked = []
    for rank, hit in enumerate(hits):
        needs = _CHAPTER_WORDS.get(hit.code[:1])
        if _EXTERNAL_CAUSE.match(hit.code) or (needs is not None and not needs.search(text)):
            continue
        coverage, extra = _coverage(hit, alternatives)
        if coverage >= MIN_COVERAGE:
            ranked.append(((-round(coverage, 2), extra, not hit.billable, rank), hit))
    ranked.sort(key=lambda item: item[0])
    source = terminology.index.name
    return [hit.to_code(source) for _, hit in ranked[:k]]


def _coverage(hit: Hit, alternatives: list[set[str]]) -> tuple[float, int]:
    title = set(_stems(hit.title))
    best = 0.0
    for words in alternatives:
        if words:
            best = max(best, len(words & title) / len(words))
    extra = len(title - set().union(*alternatives) - _NEUTRAL)
    return best, extra


def _stems(text: str) -> list[str]:
    """Lower-case content words with a plural 's' dropped ('stones' ~ 'stone')."""
    out = []
    for word in _WORD.findall(text.lower()):
        if word in _FILLER_WORDS or word in _NEUTRAL:
            continue
        out.append(word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word)
    return out
