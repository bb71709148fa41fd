"""The problem list: diagnoses and symptoms under management, found in the
assessment and plan, the chief complaint and the whole de-identified note, each
with its context and its ICD-10-CM codes.

- Candidates: the headline lines of an assessment written as a list
  ("Hypertension.", "1. Right knee MCL strain.", the name before the dash or
  colon of "2. DM2 - A1c 7.2, continue metformin", the name before the comma of
  "Hypertension, not at goal" when only it gets a code; always listed), the chief
  complaint, the problem a clinician names ("for your first problem, your
  reflux", "from a diabetes standpoint", "I think you have a lumbar strain"),
  the conditions of a history list, a procedure said as done ("you had the
  kidney transplant": "status post kidney transplant", named so), and every
  phrase of the note that is a condition's name in ICD-10-CM or the Disease
  Ontology. Mentions of the same thing are one candidate.
- Context: negspacy's NegEx (the maintained clinical negation component), run
  once per context with its termsets: negated ("no evidence of"), possible
  ("rule out", "concern for"), history ("history of", "status post"), family
  ("mother", "family history of"); a cue after the problem counts only within
  its clause, and none reaches past "and then" in a run-on turn. A candidate
  whose last mention is active is active. Only active and possible problems
  are the list; the others are kept apart with their status.
- Codes: ICD-10-CM hits from the terminology index, re-ranked by how much of the
  problem's wording the code's title covers (abbreviations and lay terms
  expanded by the index's expander; a word in another form of the title's,
  "diabetic" for "diabetes"), then specific (billable) codes first. A
  problem whose best code covers less than `MIN_COVERAGE` of its words stays
  uncoded rather than wrongly coded; a procedure done is coded as the state it
  leaves (Z94-Z98), not as its complications; a test's name alone is not coded as its
  abnormal result (R70-R94); a problem that does not say it is past is not coded as a
  personal or family history ("Personal history of diabetic foot ulcer"); a candidate
  that no code covers and is not a headline is dropped.
- Selection: a trained scorer (`ProblemScorer`, reportgen/models/problems.json,
  trained by `reportgen.training.problems`) keeps the candidates a clinician
  would list, at most `most` of a note besides the states procedures left; one
  problem is listed once (same first code, or a narrower name in the same code
  category).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from reportgen.alternation import trie, units
from reportgen.errors import RuntimeFailure
from reportgen.generation.dialogue import sentences
from reportgen.generation.wording import tidy
from reportgen.report import Code, Problem
from reportgen.resources import shipped_model
from reportgen.terminology.analysis import analyze
from reportgen.terminology.index import Terminology
from reportgen.terminology.ranking import NONESSENTIAL, names_the_past
from reportgen.terminology.terms import Hit

MIN_COVERAGE = 0.67
_CANDIDATE_HITS = 20
MAX_PROBLEMS = 12
_MAX_WORDS = 10
_MAX_TERM_WORDS = 5
_WORD = re.compile(r"[a-z0-9]+")
_BULLET = re.compile(r"^\s*(?:[-*•]|#+\s*\d*[.):]?|\d+[.)]|[a-z][.)])\s*", re.I)  # "#", "#2." too: problem-oriented notes
_FILLER_WORDS = frozenset("the a an of and or with in on to for patient patient's his her their your my some this that "
                          "new chronic".split())
_NAME_FILLER = _FILLER_WORDS - {"chronic"}  # `_name_stems`
# Words a code title may add without being more specific than the problem said.
_NEUTRAL = frozenset("essential primary unspecified other type disorder disease specified site part mellitus uncomplicated "
                     "without complication complications initial encounter of and the in with to or due by "
                     "not elsewhere classified nos".split())
# A condition's name must say "disease", "disorder", "type" or "complication" where it has it: "blood disease" and
# "blood type" are not "blood", "complications of procedures" is not "procedure".
_NAME_NEUTRAL = _NEUTRAL - {"disease", "disorder", "type", "complication", "complications"}
_VERBS = re.compile(r"\b(?:will|we|i|you|is|are|was|were|has|have|had|continue|start|order|recommend|discussed|"
                    r"reports|denies|states|should|would|can|could|please|ordered|prescribed|referred|scheduled|"
                    r"started|(?:it|he|she|that|there)['\u2019]s)\b", re.I)
# Words that name no problem on their own ("at this time", "any", "the pain").
_GENERIC = frozenset("time today any had pain problem problems issue issues symptom symptoms condition things thing "
                     "stuff something everything anything nothing well fine good better worse right left one two "
                     "first second last next other standpoint perspective so yes no okay ok yeah long while".split())
# Abnormal findings of examinations and tests without a diagnosis (R70-R94): each names a result.
_FINDING = re.compile(r"^R(?:7\d|8\d|9[0-4])")
_INJURY = re.compile(r"^S\d")  # injuries by body region: each code names its site
# Manifestation codes ("Erectile dysfunction due to diseases classified elsewhere"): coded after their cause, never alone.
_MANIFESTATION = re.compile(r"\b(?:in|due to) (?:\w+ )?diseases? classified elsewhere\b", re.I)
# Titles of a state after a procedure, for a problem that says one.
_AFTER_PROCEDURE = re.compile(r"\b(?:postprocedural|postoperative|intraoperative|post-procedural)\b", re.I)
_SAYS_PROCEDURE = re.compile(r"\bpost|surg|operat|procedur|s/p\b", re.I)
# How well a condition is controlled: no part of its name, unless the lay table says what it means ("uncontrolled
# diabetes": with hyperglycemia).
_CONTROL = re.compile(r"\b(?:(?:poorly|well|suboptimally|not well|under)[ -])?(?:un)?controlled\b", re.I)
# What a title lists beside its condition ("Syncope and collapse"; `_beside_dropped`).
_AND_PART = re.compile(r"\s+and\b[^,;]*", re.I)
# A word a title denies ("Other non-diabetic proliferative retinopathy") covers nothing of a problem that does not.
_DENIED = re.compile(r"\bnon-\w+", re.I)
# ICD-10-CM chapter 20 (V00-Y99): external causes, not problems.
_EXTERNAL_CAUSE = re.compile(r"^[VWXY]")
# The words that make a problem a past or a relative's (the only problems a history code is for).
_SAYS_PAST = re.compile(r"\b(?:history|hx|h/o|family|old|sequelae|status|post|former|ex)\b", re.I)
# Codes only for a problem that says what they are for (by code prefix): pregnancy (O) and perinatal (P) codes
# ("smoking" is not O99.33); diabetes of a kind other than type 2, since diabetes of no stated type is type 2
# (ICD-10-CM guideline I.C.4.a.2: "diabetic foot ulcer" is E11.621, not E13.621 "Other specified diabetes ...").
_SAID_FOR = {"O": re.compile(r"pregnan|obstetric|labou?r|deliver|postpartum|puerper|gestation|trimester|eclamps|gravid|"
                             r"prenatal|antenatal", re.I),
             "P": re.compile(r"newborn|neonat|perinatal|fetus|fetal|prematur", re.I),
             "E08": re.compile(r"\b(?:due to|underlying|secondary)\b", re.I),
             "E09": re.compile(r"\b(?:drug|chemical|steroid|induced)\b", re.I),
             "E10": re.compile(r"\b(?:type 1|juvenile|insulin[- ]dependent)\b", re.I),
             "E13": re.compile(r"\b(?:other|secondary|specified|pancrea\w*)\b", re.I),
             # An injury by body region (S00-S99) needs an injury said: "rotator cuff tendinitis" is no S43.422 Sprain
             # of rotator cuff capsule.
             "S": re.compile(r"\b(?:sprain|strain|fractur|broke|break|tear|torn|ruptur|injur|contusion|bruis|lacerat|cut|"
                             r"dislocat|sublux|wound|burn|bite|bitten|sting|trauma|concussion|whiplash|abrasion|crush|"
                             r"amputat|puncture|avuls|hematoma|hemorrhage|bleed|blister|foreign body|frostbite)", re.I)}
_NAMED_END = r"(?=\s*(?:[,.;:?!]|$|\band\s+(?:i|we|you|the patient)\b|\b(?:standpoint|perspective|we|i|i'm|you|it|that|which|is|are|was|has|so|because|but)\b))"
_NAMED = [
    re.compile(r"\b(?:for|regarding|in terms of|with regards? to|as for|as far as)\s+(?:(?:the patient's|your|his|her|their|the|this|that)\s+)?"
               r"(?:(?:first|second|third|fourth|next|last|final|other)\s+)?(?:problem|issue|diagnosis)?,?\s*(?:of\s+)?"
               r"(?:(?:the patient's|your|his|her|their|the|this)\s+)?(?P<p>[a-z][a-z0-9' -]{2,50}?)" + _NAMED_END, re.I),
    re.compile(r"\bfrom an? (?P<p>[a-z][a-z0-9' -]{2,40}?) (?:standpoint|perspective)\b", re.I),
    re.compile(r"\b(?:I think (?:the patient has|you have|it's|this is)|I believe (?:the patient has|you have|it's)|"
               r"consistent with|diagnosis (?:here )?(?:is|of|would be)|diagnosed with|impression (?:is|of)(?: that)?|"
               r"assessment is|what I see is|"
               r"\bso (?:the patient|you) (?:probably |actually |likely )?(?:has|have)(?=\s+(?!(?:to|been|had|got|any|no|not|some|the|that|this|it|your|a lot)\b))|"
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


SCORER_FORMAT = "reportgen-problem-scorer/1"
SCORER_REBUILD = "Rebuild it with `python -m reportgen.training.problems` (see training/README.md)."


@dataclass(frozen=True)
class ProblemScorer:
    """Logistic regression over a candidate's features (see `problem_candidates`): the probability that
    the clinician lists it as a problem. Stored as JSON (no pickle) beside a model card."""

    weights: dict[str, float]
    bias: float
    threshold: float  # keep a candidate at this probability or more (chosen by cross-validation)
    info: dict = field(default_factory=dict)  # training data, split and figures
    most: int = MAX_PROBLEMS  # the scorer keeps at most this many candidates of a note, the likeliest (headlines apart)
    # ceiling() per set of families: asked twice for each candidate of every note, and the weights do not change
    _ceilings: dict[tuple[str, ...], float] = field(default_factory=dict, init=False, repr=False, compare=False)

    def logit(self, features: dict[str, float]) -> float:
        return self.bias + sum(self.weights.get(name, 0.0) * value for name, value in features.items())

    def probability(self, features: dict[str, float]) -> float:
        return _sigmoid(self.logit(features))

    def ceiling(self, families: Sequence[str]) -> float:
        """The most that features of `families` (one of each set) can add to the logit."""
        key = tuple(families)
        if key not in self._ceilings:
            self._ceilings[key] = sum(max([0.0, *(w for name, w in self.weights.items() if name.startswith(family))])
                                      for family in families)
        return self._ceilings[key]

    def to_json(self) -> str:
        return json.dumps({"format": SCORER_FORMAT, "weights": self.weights, "bias": self.bias,
                           "threshold": self.threshold, "most": self.most, "info": self.info}, indent=1, sort_keys=True) + "\n"

    @classmethod
    def load(cls, path: Path) -> ProblemScorer:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != SCORER_FORMAT:
                raise RuntimeFailure(f"problem scorer {path} is not a {SCORER_FORMAT} file.", SCORER_REBUILD)
            return cls({str(k): float(v) for k, v in data["weights"].items()}, float(data["bias"]),
                       float(data["threshold"]), dict(data.get("info", {})), int(data.get("most", MAX_PROBLEMS)))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            raise RuntimeFailure(f"problem scorer {path} is missing or unreadable ({type(e).__name__}).", SCORER_REBUILD) from None


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def scorer_path() -> Path:
    return shipped_model("problems").with_suffix(".json")


@lru_cache(maxsize=1)
def shipped_scorer() -> ProblemScorer:
    return ProblemScorer.load(scorer_path())


@dataclass
class _Candidate:
    text: str
    sentence: str
    start: int  # character offsets of text within sentence
    end: int
    headline: bool  # written as a line of its own: kept even if uncoded
    source: str = "named"  # which finder proposed it (a feature of the scorer)
    position: float = 1.0  # where in the note it was said (0 = start, 1 = end); 1 for the report's own text
    speaker: str | None = None
    in_plan: bool = False  # said in the part of the dialogue where the clinician gives the assessment and plan
    managed: bool = False  # said in a sentence about its management ("continue the metformin", "order an x-ray")


def find_problems(assessment_texts: list[str], chief_complaint: str, terminology: Terminology | None,
                  k: int = 3, other_texts: Sequence[str] = (), dialogue: str = "",
                  scorer: ProblemScorer | None = None) -> list[Problem]:
    """The problem list, active and possible problems first; coded when a terminology is given.

    Candidates come from the report (the assessment's headlines and the problems it names,
    the chief complaint, a diagnosis stated outright elsewhere) and from the whole
    de-identified `dialogue` (the problems a clinician names, history lists, and every
    phrase that is a condition's name in the shipped vocabularies). A candidate written as
    a headline of the assessment is always kept; any other is kept when it is coded and
    the trained scorer (`scorer`, default the shipped one) says it is a problem."""
    scorer = scorer or shipped_scorer()
    found = problem_candidates(assessment_texts, chief_complaint, terminology, k, other_texts, dialogue, scorer)
    return select(found, scorer)


@dataclass
class Candidate:
    """One possible problem of a note, with what the scorer sees of it."""

    problem: Problem
    headline: bool  # a line of the assessment of its own: kept even if uncoded
    features: dict[str, float]


def problem_candidates(assessment_texts: list[str], chief_complaint: str, terminology: Terminology | None,
                       k: int = 3, other_texts: Sequence[str] = (), dialogue: str = "",
                       scorer: ProblemScorer | None = None) -> list[Candidate]:
    """Every candidate, coded, in order of trust (the report's assessment first, then the dialogue).
    With a `scorer`, candidates it would drop whatever their context and code are left out before
    the costly steps (NegEx, the terminology search)."""
    found = []
    groups = _grouped(_candidates(assessment_texts, chief_complaint, other_texts, dialogue))
    most = max((len(members) for members in groups), default=1)
    for members in groups:
        first = _shown(members)
        features = {**_mention_features(members), "mentions_of_most": len(members) / most}
        if _hopeless(scorer, first, features, (*_STATUS_FEATURES, *_CODE_FEATURES)):
            continue
        status, last_status = _statuses([first, members[-1]]) if len(members) > 1 else _statuses([first]) * 2
        features.update({f"status={status}": 1.0, f"last_status={last_status}": 1.0})
        if _hopeless(scorer, first, features, _CODE_FEATURES):
            continue
        # Said as the clinician's problem at the last mention ("your dad had kidney stones" ... "you do have that
        # kidney stone"): the problem is active, whatever its first mention was.
        status = "active" if last_status == "active" and not first.headline else status
        named = (_both_parts(first, terminology, k) or [_coded(first, terminology, k)]) if terminology is not None else [(first.text, [])]
        for text, codes in named:
            if first.headline or codes:  # a phrase no code covers (or none could be checked) is not taken for a problem
                found.append(Candidate(Problem(text=text, status=status, codes=codes), first.headline,
                                       {**features, **_code_features(text, codes)}))
    return found


def _coded(candidate: _Candidate, terminology: Terminology, k: int) -> tuple[str, list[Code]]:
    """The candidate's name and codes; a headline no code covers is named by its head ("Hypertension, not at goal",
    "Hypothyroidism, stable; TSH 2.1": the problem, then how it is) when that has a code."""
    codes = _codes(candidate.text, terminology, k)
    if candidate.headline and not codes and (head := _HEADLINE_HEAD.match(candidate.text)):
        if head_codes := _codes(head[1], terminology, k):
            return head[1], head_codes
    return candidate.text, codes


_AND = re.compile(r"\s+(?:and|&)\s+", re.I)


def _both_parts(candidate: _Candidate, terminology: Terminology, k: int) -> list[tuple[str, list[Code]]]:
    """Two problems written as one ("HTN and HLD", "Anxiety and depression, stable"), each with its own codes, when
    each part has a code and the two are of different categories: "nausea and vomiting" (R11.0, R11.10) is one
    problem, R11.2 Nausea with vomiting. Only a headline, a line the clinician wrote as problems: in a sentence,
    "and" joins more than names ("cirrhosis, and other liver ...")."""
    if not candidate.headline or not _AND.search(candidate.text):
        return []
    head = _HEADLINE_HEAD.match(candidate.text)
    parts = [part.strip() for part in _AND.split(head[1] if head else candidate.text)]
    if len(parts) != 2 or not all(_content(part) for part in parts):
        return []
    coded = [(part, _codes(part, terminology, k)) for part in parts]
    first, second = (codes for _, codes in coded)
    return coded if first and second and first[0].code[:3] != second[0].code[:3] else []


def _shown(members: Sequence[_Candidate]) -> _Candidate:
    """The mention that names a group: the first, unless it is no headline and the procedure was said as done
    ("you had the kidney transplant": "status post kidney transplant", a status rather than the procedure)."""
    if members[0].headline:
        return members[0]
    return next((c for c in members if c.source == _PROCEDURE_SOURCE), members[0])


def _codes(text: str, terminology: Terminology, k: int) -> list[Code]:
    """The problem's codes, its context cue left out; a procedure done ("status post ...") is coded as the state
    it leaves (ICD-10-CM Z94-Z98: "Kidney transplant status"), else as a postprocedural state, not as the
    procedure's complications ("Complications of kidney transplant")."""
    leading = _leading_cue(text)
    if leading is None or not _POST.match(text):
        return code(leading[1] if leading else text, terminology, k)
    states = [c for c in code(f"{leading[1]} status", terminology, k) if _POSTPROCEDURAL.match(c.code)]
    return states or code("postprocedural state", terminology, 1)


_POST = re.compile(r"(?:status post|s/p)\b", re.I)
# ICD-10-CM's states a procedure leaves: transplanted organs (Z94), implants and grafts (Z95-Z97), other (Z98).
_POSTPROCEDURAL = re.compile(r"^Z9[4-8]")


# The scorer's feature families that need NegEx or the terminology (one feature of each is set).
_STATUS_FEATURES = ("status=", "last_status=")
_CODE_FEATURES = ("chapter=", "title_adds=", "letter=")


def _hopeless(scorer: ProblemScorer | None, first: _Candidate, features: dict[str, float], unknown: Sequence[str]) -> bool:
    """True when the scorer would drop the candidate whatever the `unknown` features turn out to be."""
    if scorer is None or first.headline:
        return False
    return _sigmoid(scorer.logit(features) + scorer.ceiling(unknown)) < scorer.threshold


def select(candidates: Sequence[Candidate], scorer: ProblemScorer) -> list[Problem]:
    """The list: headlines and the candidates the scorer keeps (at most `scorer.most` problems, the likeliest;
    a state a procedure left and a problem already kept in other words are not counted), active first, one
    problem per first code."""
    listed = {_identity(c.problem) for c in candidates if c.headline}
    chosen: set[str] = set()  # the problems the scorer keeps, duplicates ("hypertension", "high blood pressure") once
    kept = [(rank, c.problem) for rank, c in enumerate(candidates) if c.headline]
    for p, rank in sorted((-scorer.probability(c.features), rank) for rank, c in enumerate(candidates) if not c.headline):
        if -p < scorer.threshold:
            break
        problem = candidates[rank].problem
        identity = _identity(problem)
        if any(_narrower(other, problem) or _narrower(problem, other) for _, other in kept if other.status in _LISTED):
            continue  # a problem already kept, in more or fewer words ("heart failure", "congestive heart failure")
        # A state a procedure left ("status post kidney transplant", Z94-Z98) is a standing fact beside the problems
        # under management, which the cap is for: it takes no place.
        if problem.status in _LISTED and identity not in listed | chosen and not _POSTPROCEDURAL.match(identity):
            if len(chosen) >= scorer.most:
                continue
            chosen.add(identity)
        kept.append((rank, problem))
    kept.sort(key=lambda item: (_ORDER[item[1].status], item[0]))
    problems: list[Problem] = []
    coded: set[str] = set()
    for _, problem in kept:
        if problem.codes and (problem.codes[0].code in coded or any(_narrower(p, problem) for p in problems)):
            continue  # the same problem in other words ("high blood pressure", "hypertension")
        coded.update(c.code for c in problem.codes[:1])
        problems.append(problem)
    return problems[:MAX_PROBLEMS]


def _identity(problem: Problem) -> str:
    return problem.codes[0].code if problem.codes else problem.text.lower()


def _narrower(listed: Problem, other: Problem) -> bool:
    """`listed` says all `other` says, and more: in the same code category ("congestive heart failure", "heart
    failure"), or `other` is a condition without detail that `listed`'s code names ("heart disease", "coronary
    artery disease")."""
    if not listed.codes or not other.codes:
        return False
    words = set(_stems(other.text))
    if listed.codes[0].code[:3] == other.codes[0].code[:3]:
        return words <= set(_stems(listed.text))
    # A condition named without detail is one a listed problem's code already is ("heart disease", I51.9 Heart
    # disease, unspecified, beside "coronary artery disease", I25.10 Atherosclerotic heart disease of ...).
    return "unspecified" in other.codes[0].title.lower() and words <= set(_stems(listed.codes[0].title))


_LISTED = ("active", "possible", "history")  # the problem list proper; negated and family ones are kept apart
_ORDER = {"active": 0, "possible": 1, "history": 2, "family": 3, "negated": 4}


def _candidates(assessment_texts: list[str], chief_complaint: str, other_texts: Sequence[str],
                dialogue: str) -> list[_Candidate]:
    """Every candidate, in order of trust: what the report's assessment says first, then the dialogue."""
    candidates = [*_headlines(chief_complaint, max_lines=1, source="complaint")]
    for text in assessment_texts:
        candidates += _headlines(text) + [_named_term(c) for c in (*_named(text), *_listed(text))]
        candidates += [replace(c, source="plan-term") for line in text.splitlines() for c in _terms(line)]
    for text in other_texts:
        candidates += [_named_term(c) for c in (*_named(text, _NAMED[2:], source="stated"), *_listed(text))]
    said = sentences(dialogue) if dialogue.strip() else []
    plan = next((s.index for s in said if s.speaker in ("doctor", None) and _PLAN_CUE.search(s.text)), len(said))
    for sentence in said:
        position = sentence.index / max(1, len(said) - 1)
        text = _numbered_type(tidy(_HESITATION.sub(" ", sentence.text)))  # "an acute lumbar, um, strain"
        named = [*_named(text, source="dialogue-named"), *_listed(text, source="dialogue-listed")]
        for candidate in (*_procedures(text), *map(_named_term, named), *_terms(text)):
            candidates.append(replace(candidate, position=position, speaker=sentence.speaker, in_plan=sentence.index >= plan,
                                      managed=bool(_MANAGEMENT.search(text))))
    return candidates


# Where a clinician turns to the assessment and plan ("let's talk about my assessment and my plan").
_PLAN_CUE = re.compile(r"\b(?:assessment|impression|(?:my|the|our) plan)\b", re.I)
_MANAGEMENT = re.compile(r"\b(?:continue|start|prescrib\w*|refer\w*|order\w*|recommend\w*|increase|decrease|refill|"
                         r"treat\w*|therapy|follow[- ]up|monitor|manag\w*|surgery|injection|we'll|we will|I want|I'd like|"
                         r"going to|medication|dose|milligrams|mg)\b", re.I)
_HESITATION = re.compile(r",?\s*\b(?:um+|uh+|erm|hmm+)\b\s*,?", re.I)


def _grouped(candidates: list[_Candidate]) -> list[list[_Candidate]]:
    """Candidates naming the same thing ("kidney stones", "stone in the kidney"), in order of first mention."""
    groups: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
        leading = _leading_cue(candidate.text)
        key = " ".join(sorted(set(_stems(leading[1] if leading else candidate.text))))
        if key and _content(candidate.text):
            groups.setdefault(key, []).append(candidate)
    return list(groups.values())


def _mention_features(members: Sequence[_Candidate]) -> dict[str, float]:
    """Who proposed a candidate, how often and where it was said, and by whom."""
    said = [c for c in members if c.source.startswith(("dialogue", "term"))]
    features = {f"source={c.source}": 1.0 for c in members}
    features.update({"mentions": math.log1p(len(members)), f"words={min(len(members[0].text.split()), 4)}": 1.0})
    if said:
        features["first_position"] = min(c.position for c in said)
        features["last_position"] = max(c.position for c in said)
        # A plain note (no speakers) is the clinician's own writing.
        features["doctor_share"] = sum(c.speaker in ("doctor", None) for c in said) / len(said)
        features["plan_share"] = sum(c.in_plan for c in said) / len(said)
        features["plan_mentions"] = math.log1p(sum(c.in_plan for c in said))
        features["managed_share"] = sum(c.managed for c in said) / len(said)
    else:
        features["report_only"] = 1.0
    return features


def _code_features(text: str, codes: Sequence[Code]) -> dict[str, float]:
    """The kind of chapter of the first code, and the words its title adds to the phrase ("right knee" ->
    "bursitis of right knee")."""
    if not codes:
        return {"chapter=none": 1.0}
    return {f"chapter={_CHAPTERS.get(codes[0].code[:1], 'disease')}": 1.0, f"letter={codes[0].code[:1]}": 1.0,
            f"title_adds={min(len(set(_stems(codes[0].title)) - set(_stems(text))), 3)}": 1.0}


# ICD-10-CM chapters by what their codes name (the rest name diseases).
_CHAPTERS = {"R": "symptom", "S": "injury", "T": "injury", "Z": "factor", "O": "pregnancy", "P": "perinatal", "U": "special"}


# A problem-oriented line: the problem's name, a dash or colon, then its details ("DM2: A1c 7.2, continue metformin").
_HEAD = re.compile(r"^(?P<name>[^:;,.\s][^:;.]{0,60}?)(?:\s+[-\u2013\u2014]+\s+|:\s+)(?=\S)")
# A headline's name before what it says of the problem ("Hypertension, not at goal").
_HEADLINE_HEAD = re.compile(r"^([^,;]{3,60}?)\s*[,;]")


# A line's first sentence names its problem ("The joint pain. Probably two days ago", "Hypertension. Continue lisinopril.").
# Not after a title's abbreviation ("Mr. Lee"). Stricter than the transcript splitter (`dialogue._SENTENCE_END`): only
# a period before a capital ends a headline's name, so "HTN vs. white coat effect" and "BP 148/92. then" stay whole.
_FIRST_SENTENCE_END = re.compile(r"(?<=[a-z0-9)])(?<!\bM[rs])(?<!\bMrs)(?<!\bDr)(?<!\bSt)(?<!\bvs)\.\s+(?=[A-Z])")


def _headlines(text: str, max_lines: int | None = None, source: str = "headline") -> list[_Candidate]:
    """Short lines that are a problem's name ("1. CHF.", "Hypertension:"). Only the lines of an assessment
    written as lines are headlines that are always listed; a chief complaint or a one-line section (a
    short paragraph, not a list) is a candidate the scorer judges."""
    found = []
    listed = source == "headline" and sum(bool(line.strip()) for line in text.splitlines()) > 1
    for line in text.splitlines():
        item = _FIRST_SENTENCE_END.split(_BULLET.sub("", line.strip()).strip(), maxsplit=1)[0].rstrip(".:;")
        if not item or (line.strip().startswith(("•", "-", "*")) and ":" in item[:40]):
            continue  # "• Medical Reasoning: ..." belongs to the problem above
        if (head := _HEAD.match(item)) and not _VERBS.search(head["name"]):
            item = head["name"]  # "1. HTN - BP 148/92, increase lisinopril": the problem, then what is done for it
        words = item.split()
        if len(words) <= _MAX_WORDS and not item.endswith("?") and not _VERBS.search(item) and _content(item):
            found.append(_Candidate(item, item, 0, len(item), listed, source if listed else f"{source}-line"))
    return found[:max_lines] if max_lines else found


def _named(text: str, patterns: Sequence[re.Pattern[str]] = _NAMED, source: str = "named") -> list[_Candidate]:
    """Problems a clinician names in a sentence ("from a diabetes standpoint")."""
    found = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        for pattern in patterns:
            for m in pattern.finditer(sentence):
                phrase = _trim(m.group("p"))
                if _content(phrase) and len(phrase.split()) <= 6:
                    start = m.start("p") + m.group("p").find(phrase)
                    found.append(_Candidate(phrase, sentence, start, start + len(phrase), False, source))
    return found


_HISTORY_LIST = re.compile(r"\b(?:medical history|history) (?:significant |notable )?(?:for|of) (?P<list>[a-z0-9 ,'/-]{3,160}?)"
                           r"(?=[.;]| who | that | and (?:who|presents|is|was)\b|$)", re.I)


def _listed(text: str, source: str = "listed") -> list[_Candidate]:
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
                    found.append(_Candidate(phrase, sentence, start, start + len(phrase), False, source))
    return found


_PROCEDURE_SOURCE = "dialogue-procedure"
# Verbs of a procedure done, and the noun each makes ("had it repaired" -> "repair").
_DONE = {"removed": "removal", "repaired": "repair", "replaced": "replacement", "transplanted": "transplant",
         "reconstructed": "reconstruction", "resected": "resection", "fused": "fusion", "extracted": "extraction",
         "grafted": "graft", "operated on": "surgery"}
# A word that names a procedure by its form: excision (-ectomy), opening (-otomy, -ostomy), repair (-plasty,
# -pexy, -rrhaphy), fusion (-desis).
_SURGICAL_SUFFIX = re.compile(r"(?:ectomy|otomy|ostomy|plasty|pexy|rrhaphy|desis)$")
# Determiners and the size words said of a procedure ("the whole reconstruction", "a little procedure").
_DETERMINER = r"(?:(?:a|an|the|that|this|your|her|his|their|my|some|any|one|prior|previous|little|small|minor|major|whole)\s+)*"
_HAD = r"\b(?:had|has had|have had|'ve had|underwent|status post|s/p|post|prior|previous)\s+"
# "you had the kidney transplant", "post bilateral reduction mammoplasty", "prior rotator cuff repair"
_HAD_PROCEDURE = re.compile(_HAD + _DETERMINER + r"(?P<p>[a-z][a-z' -]{2,60})", re.I)
# "you had that rotator cuff repaired", "they removed a cataract"
_HAD_DONE = re.compile(_HAD + _DETERMINER + r"(?P<p>[a-z][a-z' -]{2,40}?)\s+(?P<v>" + "|".join(_DONE) + r")\b", re.I)
_DID = re.compile(r"\b(?:they|he|she|we|i|you|someone|surgeons?|doctors?)\s+(?:\w+\s+)?(?P<v>" + "|".join(_DONE) + r")\s+"
                  + _DETERMINER + r"(?P<p>[a-z][a-z' -]{2,40})", re.I)


def _procedures(sentence: str) -> list[_Candidate]:
    """Procedures said as done, written as the state they leave ("you had the kidney transplant" -> "status post
    kidney transplant", "they removed a cataract" -> "status post cataract removal"): a procedure's name ends in
    a noun ICD-10-CM's postprocedural states (Z94-Z98) name as "X status", a done verb's noun or a surgical
    suffix, after the condition-name words before it (the organ, "rotator cuff")."""
    found = []
    for m in _HAD_PROCEDURE.finditer(sentence):
        if (span := _procedure_span(sentence, m.start("p"), m.end("p"))) is not None:
            found.append(_procedure_candidate(sentence, *span, sentence[span[0] : span[1]]))
    for pattern in (_HAD_DONE, _DID):
        for m in pattern.finditer(sentence):
            words = _object_words(m.group("p"))
            if words:
                start = m.start("p") + m.group("p").lower().find(words)
                noun = _DONE[m.group("v").lower()]
                found.append(_procedure_candidate(sentence, start, start + len(words), f"{words} {noun}"))
    return found


_PREPOSITION = re.compile(r"\b(?:from|at|about|on|in|of|for|with|by|after|before|since|when|ago|last)\b")


def _procedure_candidate(sentence: str, start: int, end: int, procedure: str) -> _Candidate:
    return _Candidate(f"status post {procedure}", sentence, start, end, False, _PROCEDURE_SOURCE)


def _procedure_span(sentence: str, start: int, end: int) -> tuple[int, int] | None:
    """(start, end) of the procedure's name that opens sentence[start:end]: condition-name words up to a
    procedure noun ("kidney transplant" of "kidney transplant a few years ago"); None if none."""
    words = list(_WORD.finditer(sentence[start:end].lower()))
    for i, m in enumerate(words[: _MAX_TERM_WORDS + 1]):
        if _is_procedure(m.group()):
            return (start + words[0].start(), start + m.end()) if i or _SURGICAL_SUFFIX.search(m.group()) else None
        if m.group() in _FILLER_WORDS or _word_stems(m.group()) - _name_words():
            return None
    return None


def _object_words(phrase: str) -> str:
    """The condition-name words that open a done verb's object ("a cataract from your eye" -> "cataract")."""
    kept: list[str] = []
    for m in _WORD.finditer(_PREPOSITION.split(phrase.lower())[0]):
        if m.group() in _FILLER_WORDS or _word_stems(m.group()) - _name_words() or len(kept) == _MAX_TERM_WORDS:
            break
        kept.append(m.group())
    return " ".join(kept) if _content(" ".join(kept)) else ""


def _is_procedure(word: str) -> bool:
    return word in _procedure_nouns() or bool(_SURGICAL_SUFFIX.search(word))


def _terms(sentence: str) -> list[_Candidate]:
    """Phrases that are a condition's name in the shipped vocabularies (ICD-10-CM titles and
    inclusion terms, Disease Ontology labels), longest first, word order free."""
    names = _condition_names()
    lowered = sentence.lower()
    words = _WORD.findall(lowered)
    # reach[i]: how many words from i on a name can span; a word with a stem no name has ends every span.
    reach = [0] * (len(words) + 1)
    for j in range(len(words) - 1, -1, -1):
        reach[j] = reach[j + 1] + 1 if _in_names(words[j]) else 0
    found, i = [], 0
    spans: list[tuple[int, int]] = []  # each word's place in the sentence: read only once a name is found
    while i < len(words):
        for n in range(min(_MAX_TERM_WORDS, reach[i]), 0, -1):
            if words[i] in _FILLER_WORDS or words[i + n - 1] in _FILLER_WORDS:
                continue
            key = frozenset().union(*map(_word_stems, words[i : i + n]))
            if key in names and not key <= _GENERIC and (i + n == len(words) or words[i + n] not in _TEST_NOUNS):
                spans = spans or [m.span() for m in _WORD.finditer(lowered)]
                start, end = spans[i][0], spans[i + n - 1][1]
                found.append(_Candidate(sentence[start:end], sentence, start, end, False, "term"))
                i += n
                break
        else:
            i += 1
    return found


# A condition's name before one of these names a test or a vaccine, not a problem ("rapid strep test", "lyme titer",
# "hepatitis c screening", "flu shot").
_TEST_NOUNS = frozenset("test tests testing screen screening swab swabs culture cultures panel titer titers antibody antibodies "
                        "vaccine vaccines vaccination shot shots".split())


def _named_term(candidate: _Candidate) -> _Candidate:
    """A phrase of talk cut to the condition name in it ("kidney stones from your pcp" -> "kidney stones")."""
    terms = _terms(candidate.text)
    if not terms:
        return candidate
    term = max(terms, key=lambda t: t.end - t.start)
    return replace(candidate, text=term.text, start=candidate.start + term.start, end=candidate.start + term.end)


@lru_cache(maxsize=65536)
def _word_stems(word: str) -> frozenset[str]:
    return frozenset(_stems(word, _NAME_NEUTRAL))


@lru_cache(maxsize=65536)
def _in_names(word: str) -> bool:
    """Whether some condition name has every stem of `word` (a filler word, with none, can be inside a name)."""
    return _word_stems(word) <= _name_words()


def _condition_names() -> frozenset[frozenset[str]]:
    """The content words of every shipped condition name (about 42,000); external causes (V-Y: "Activity,
    unspecified") name no condition."""
    return _vocabulary()[0]


def _sites() -> frozenset[str]:
    """Body sites and their sides, as ICD-10-CM's titles end in them ("..., right elbow", "..., bilateral hips")."""
    return _vocabulary()[2]


# The words of a side as code titles write them (not the query reader's `understanding.SIDES`, whose "both" and "rt"
# no title has).
_SIDES = frozenset({"right", "left", "bilateral", "side", "sided"})
_SITE_SUFFIX = re.compile(r",\s+(?:right|left|bilateral)\s+([a-z]+)$")


@lru_cache(maxsize=1)
def _procedure_nouns() -> frozenset[str]:
    """The nouns ICD-10-CM's postprocedural states put before "status" ("Kidney transplant status", "Cataract
    extraction status"; not the organ of "collapse of lung status") and the nouns of the done verbs."""
    return _vocabulary()[1] | frozenset(_DONE.values())


_STATUS_NOUN = re.compile(r"(?<!\bof )(?<!\band )\b(\w+) status\b")


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[frozenset[frozenset[str]], frozenset[str], frozenset[str]]:
    """The condition names, the postprocedural status nouns and the body sites of the shipped vocabularies, read
    in one pass (built once, ~1 s)."""
    from reportgen.terminology.corpora import shipped_corpora

    names: set[frozenset[str]] = set()
    nouns: set[str] = set()
    sites = set(_SIDES)
    for corpus in shipped_corpora():
        icd = corpus.source.system == "icd10cm"
        for term in corpus.terms:
            if icd and _EXTERNAL_CAUSE.match(term.code):
                continue
            for name in (term.title, *term.synonyms):
                stems = _stems(name, _NAME_NEUTRAL)
                if 0 < len(stems) <= _MAX_TERM_WORDS:
                    names.add(frozenset(stems))
                if icd and _POSTPROCEDURAL.match(term.code):
                    nouns.update(m.group(1) for m in _STATUS_NOUN.finditer(name.lower()))
            if icd and (site := _SITE_SUFFIX.search(term.title.lower())):
                sites.update(_stems(site.group(1)))
    return frozenset(names), frozenset(nouns), frozenset(sites)


@lru_cache(maxsize=1)
def _name_words() -> frozenset[str]:
    """Every stem some condition name has."""
    return frozenset().union(*_condition_names())


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
        # A cue after the problem counts only within its clause ("your high blood pressure, we have
        # battled in the past" is not a history of it).
        cut = _CLAUSE_END.search(candidate.sentence, candidate.end)
        clause = candidate.sentence[: cut.start()] if cut else candidate.sentence
        if not _cue_text().search(clause.lower()):
            statuses.append("active")  # no cue's words in it: the NegEx matchers would find none
            continue
        doc = nlp.make_doc(clause)
        span = doc.char_span(candidate.start, candidate.end, label="PROBLEM", alignment_mode="expand")
        if span is None or not _cued(nlp, doc):
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


def _cued(nlp, doc) -> bool:  # (spacy.language.Language, spacy.tokens.Doc)
    """Whether a NegEx component finds a cue that can set its status in `doc` (with none, each component leaves
    the problem as it is: active); most sentences have none, and their sentencizer and NegEx runs were most
    of the cost of a status."""
    return any(nlp.vocab.strings[label] in _CUE_LABELS for name, component in nlp.pipeline if name != "sentencizer"
               for label, _, _ in component.matcher(doc))


@lru_cache(maxsize=1)
def _cue_text() -> re.Pattern[str]:
    """Any NegEx cue's tokens in a row, in lower-case text, where the matchers of `_cued` could find it: a clause it
    finds nothing in needs no spaCy document (most of the cost of a status). A cue starts and ends at a letter
    boundary unless the tokenizer's exceptions split a word there ("cannot": "can" "not")."""
    nlp = _nlp()
    heads, tails = _split_words(nlp)
    cues = {tuple(token.lower_ for token in nlp.make_doc(cue))
            for name, component in nlp.pipeline if name != "sentencizer"
            for cue in (*component.preceding_negations, *component.following_negations)}
    return re.compile(trie([units(tokens, r"\s*", None if tokens[0] in tails else "[a-z]", None if tokens[-1] in heads else "(?![a-z])")
                            for tokens in cues if tokens]))


def _split_words(nlp) -> tuple[set[str], set[str]]:  # (spacy.language.Language)
    """The tokens the tokenizer's exceptions cut a word into between two letters: those before the cut (heads: "can"
    of "cannot") and after it (tails: "not")."""
    from spacy.symbols import ORTH

    heads, tails = set(), set()
    for word, tokens in nlp.tokenizer.rules.items():
        pieces = [token[ORTH] for token in tokens]
        at = 0
        for before, after in zip(pieces, pieces[1:]):
            at += len(before)
            if word[at - 1 : at].isalpha() and after[:1].isalpha():
                heads.add(before.lower())
                tails.add(after.lower())
    return heads, tails


_CUE_LABELS = ("Preceding", "Following")  # negspacy's labels of the cues (not the pseudo cues, not the terminations)
_CLAUSE_END = re.compile(r"\s*(?:[,;:]|\s-\s|\b(?:but|and i|i know|because)\b)", re.I)


@lru_cache(maxsize=4096)  # asked of each candidate to group it, to find its status and to code it: ~90 cues each time
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


# Where a clinician's run-on turn moves to the next thing: a cue before it does not reach past it ("I'm not going
# to make any changes there and then for your diabetes"). Written notes end such clauses with a full stop.
_SPOKEN_TERMINATION = ["and then"]


@lru_cache(maxsize=1)
def _nlp():  # -> spacy.language.Language
    import spacy
    from negspacy.negation import Negex  # noqa: F401  (registers the "negex" factory)
    from negspacy.termsets import termset

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    clinical = termset("en_clinical").get_patterns()
    termination = [*clinical["termination"], *_SPOKEN_TERMINATION]
    negation = {**clinical, "preceding_negations": _negations(), "termination": termination}
    nlp.add_pipe("negex", name="negex", config={"neg_termset": negation, "extension_name": "negex"})
    for name, cues in _TERMSETS.items():
        terms = {"pseudo_negations": ["no history of"] if name == "history" else [], "termination": termination, **cues}
        nlp.add_pipe("negex", name=name, config={"neg_termset": terms, "extension_name": name})
    return nlp


def code(text: str, terminology: Terminology, k: int = 3) -> list[Code]:
    """Up to k ICD-10-CM codes whose titles cover the problem's wording, most specific first; [] below the floor.
    A bare name that ICD-10-CM lists as "X NOS" under a code ("diabetes NOS" under E11) gets that code
    (a category's unspecified ".9" code), and a problem said as a code's inclusion term that code, whatever
    the search ranks first."""
    source = terminology.index.name
    return [hit.to_code(source) for hit in _best_hits(text, terminology, k)]


# The same problems come again and again in a batch ("diabetes", "shortness of breath": 753 codings of ACI-Bench
# train's 67 notes are 541 phrases), and each search costs ~1 ms: searched once per phrase in the process, in
# memory only. Keyed on the Terminology object itself (compared by identity), whose index is not rebuilt under it.
@lru_cache(maxsize=4096)
def _best_hits(text: str, terminology: Terminology, k: int) -> tuple[Hit, ...]:
    text = _numbered_type(text)
    hits = terminology.search(text, _CANDIDATE_HITS, "icd10cm")
    words = set(_stems(text))
    found = terminology.expander.found(text) if terminology.expander is not None else {}
    nos = _bare_name(text, found, terminology) or _sided_bare_name(text, words, hits, terminology)
    if nos is not None:
        hits = [nos, *(h for h in hits if h.code != nos.code)]
    if not hits:
        return ()
    ranked = []
    alternatives = _alternatives(text, words, found, terminology)
    said = " ".join([text, *(e for expansions in found.values() for e in expansions)])  # "iddm" says "type 1"
    said_sides = words & _SIDES
    said_sites = set().union(*alternatives) & _sites() - _SIDES if said_sides else set()
    says_other = bool(_OTHER.search(said))
    listed = _listed_under(text, hits)
    for category in [h for h in hits if h.code in listed and not h.billable]:
        if not any(h.billable and h.code.startswith(category.code) for h in hits):  # its codes, by its title's words
            hits = [*hits, *(h for h in terminology.search(category.title, _CANDIDATE_HITS, "icd10cm") if h.code.startswith(category.code))]
    for rank, hit in enumerate(hits):
        needs = _SAID_FOR.get(hit.code[:1]) or _SAID_FOR.get(hit.code[:3])
        if _EXTERNAL_CAUSE.match(hit.code) or (needs is not None and not needs.search(said)):
            continue
        if _MANIFESTATION.search(hit.title):
            continue  # "Erectile dysfunction due to diseases classified elsewhere": coded after its cause, never alone
        if _AFTER_PROCEDURE.search(hit.title) and not _SAYS_PROCEDURE.search(text):
            continue  # "Other and unspecified postprocedural erectile dysfunction" for erectile dysfunction
        if names_the_past(hit.title) and not _SAYS_PAST.search(text):
            continue  # "Personal history of diabetic foot ulcer" for a diabetic foot ulcer: said in the same words, but past
        # ICD-10-CM's code for the bare name covers it by definition, whatever its title says ("vertigo" is "Vertigo
        # NOS" under R42 "Dizziness and giddiness", not A88.1 "Epidemic vertigo"); so does a code that lists the
        # problem as an inclusion term, and its codes cover it with the detail they add (I25.1 -> I25.10).
        named = hit is nos or hit.code.startswith(listed)
        coverage, extra = (1.0, 0) if hit is nos or hit.code in listed else _coverage(hit, alternatives)
        if named:
            coverage = 1.0
        if extra and len(words) < 2 and (_FINDING.match(hit.code) or _INJURY.match(hit.code)):
            continue  # "Inconclusive mammogram" for "mammogram", "Sprain of ribs" for "sprain": a test alone is no
            # finding, an injury said without its site none of ICD-10-CM's injuries by body region (S00-S99)
        if extra and words <= _sites():
            continue  # "Other bursitis of elbow, right elbow" for "right elbow": a body site alone is no condition
        title = _title_words(hit.title, denied=False)[0]
        if said_sites and not named and said_sides & title and not said_sites & title:
            continue  # "Edema of right orbit" for "swelling of the right knee": the side of another site
        if coverage >= MIN_COVERAGE:
            # A title of the side the problem says before one without ("Right ankle sprain": S93.401, not S93.4)
            other_side = bool(said_sides) and not said_sides & title
            # A code whose inclusion term the problem is, or a child of it ("coronary artery disease", listed as
            # "Coronary (artery) disease" under I25.1): billable first, then the child that adds least (I25.10).
            # Between titles alike, the unspecified kind before "Other ..." unless the problem says other
            # ("tenosynovitis": M65.90 Unspecified synovitis and tenosynovitis, not M65.80 Other synovitis ...).
            other_kind = not says_other and bool(_OTHER.search(hit.title))
            ranked.append(((-round(coverage, 2), not named, other_side, named and not hit.billable, extra, not hit.billable,
                            other_kind, rank), hit))
    if not ranked and (uncontrolled := _CONTROL.sub(" ", text)) != text:
        return _best_hits(uncontrolled, terminology, k)  # "poorly controlled hypertension": I10
    ranked.sort(key=lambda item: item[0])
    return tuple(hit for _, hit in ranked[:k])


def _listed_under(text: str, hits: Sequence[Hit]) -> tuple[str, ...]:
    """The codes among `hits` that list the problem, as said, among their inclusion terms ("plantar fasciitis" under
    M72.2 "Plantar fascial fibromatosis", "acute kidney injury" under N17.9 "Acute kidney failure, unspecified"); a
    word in parentheses may be said or not ("Coronary (artery) disease"). An acronym is one only in capitals ("PRES"
    under I67.83, not a clipped "pres")."""
    said = frozenset(_name_stems(text))
    return tuple(hit.code for hit in hits
                 if said and any(said in _wording_keys(w) for w in hit.wordings if text.isupper() or not w.isupper()))


@lru_cache(maxsize=65536)
def _wording_keys(wording: str) -> tuple[frozenset[str], ...]:
    """A wording's words as a name (`_name_stems`) without its parenthesised ones, and with them; none for the
    wording of another kind ("Other epilepsy NOS"), and none of what it says is absent ("Nausea without vomiting")."""
    if _OTHER.search(wording):
        return ()
    wording = _ABSENT_PART.sub(" ", wording)
    return frozenset(_name_stems(_PARENTHESISED.sub(" ", wording))), frozenset(_name_stems(wording))


_PARENTHESISED = re.compile(r"\([^)]*\)")
_OTHER = re.compile(r"\bother\b", re.I)
_ABSENT_PART = re.compile(r"\bwithout\b.*", re.I)


def _bare_name(text: str, found: dict[str, tuple[str, ...]], terminology: Terminology) -> Hit | None:
    """ICD-10-CM's code for the problem said as a bare name, or in the abbreviation or lay words of one ("dm",
    "sugar diabetes": "diabetes mellitus", listed as "Diabetes NOS" under E11, not the first "Other specified
    diabetes mellitus with ..." a search for its words brings). An abbreviation within more words is not the name.
    `found`: the terms of `text` the expander knows, and their expansions."""
    said = set(_name_stems(text))
    whole = [e for term, expansions in found.items() if said <= set(_name_stems(term)) for e in expansions]
    for name in (text, *whole):
        if hit := terminology.bare_name(name, _name_stems) or terminology.bare_name(name, _stems):
            return hit
    return None


def _sided_bare_name(text: str, words: set[str], hits: list[Hit], terminology: Terminology) -> Hit | None:
    """A bare name said with a side and a site ("acute otitis media of the right ear", listed as "Acute otitis media
    NOS" under H66.9): the code of that side under the name's code, where the search found one (H66.91 "Otitis media,
    unspecified, right ear", not H65.01 "Acute serous otitis media, right ear" for holding every word said)."""
    sides = words & _SIDES
    named = terminology.bare_name(text, _unsided_stems) if sides else None
    if named is None:
        return None
    return next((h for h in hits if h.code.startswith(named.code) and h.billable and sides <= set(_stems(h.title))), None)


def _unsided_stems(text: str) -> list[str]:
    return [w for w in _stems(text) if w not in _SIDES and w not in _sites()]


def _alternatives(text: str, words: set[str], found: dict[str, tuple[str, ...]], terminology: Terminology) -> list[set[str]]:
    """The problem's words as said, as the index spells them ("diabetis"), and as its expansions say them: all
    together and each on its own ("smoking" is covered by "Nicotine dependence, cigarettes" through "nicotine
    dependence", not best by "... chewing tobacco" for sharing more words). An expansion that shares a word with
    the problem names only its term and stands beside the problem's other words ("further a1c today" is no
    "Hemoglobin E-beta thalassemia" through "hemoglobin a1c"); one in other words stands for the whole problem, as
    the old name said in new words ("chf exacerbation": "heart failure"). A word the speller changed is no name of
    the problem by itself ("partici-" is no "Partial lipodystrophy")."""
    spell = terminology.speller.correct if terminology.speller is not None else str
    alternatives = [words, set(_stems(spell(text)))]
    terms = {term: {_stem(w) for w in _stems(term)} for term in found}
    for term, expansions in found.items():
        rest = {w for w in words if _stem(w) not in terms[term]}
        for expansion in expansions:
            said = set(_stems(spell(expansion)))
            alternatives.append(rest | said if said & words else said)
    if len(found) > 1:  # "htn and dm"
        alternatives.append({w for w in words if not any(_stem(w) in stems for stems in terms.values())}
                            | {w for expansions in found.values() for e in expansions for w in _stems(spell(e))})
    return [a for i, a in enumerate(alternatives) if a and a not in alternatives[:i]]


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """The word's stem as the terminology index stems it (Porter: "diabetic" and "diabetes" are "diabet")."""
    return next(iter(analyze(word)), word)


def _root(word: str) -> str:
    """`_stem`, but a short stem is the word itself ("plan" would match "planned", "medic" "medical")."""
    root = _stem(word)
    return root if len(root) >= 6 else word


_TYPE_NUMBERS = {"i": "1", "ii": "2", "one": "1", "two": "2"}
_TYPE = re.compile(r"\btype (ii|i|one|two)\b", re.I)


def _numbered_type(text: str) -> str:
    """"Diabetes type II", "type two diabetes" as ICD-10-CM writes them: "type 2"."""
    return _TYPE.sub(lambda m: f"type {_TYPE_NUMBERS[m.group(1).lower()]}", text)


def _coverage(hit: Hit, alternatives: list[set[str]]) -> tuple[float, int]:
    title, roots, detail = _title_words(hit.title, denied="non" not in alternatives[0])
    sided = bool(title & _SIDES)
    best = 0.0
    for words in alternatives:
        if not sided:  # a side the title has no place for is no part of it: "Right kidney stone", "Calculus of kidney"
            words = words - _SIDES or words
        if words:  # a word said as the title says it, or in another form of it ("diabetic" foot ulcer, "Diabetes ...")
            best = max(best, sum(w in title or _root(w) in roots for w in words) / len(words))
    return best, len(detail - set().union(*alternatives))


# The same titles come back query after query.
@lru_cache(maxsize=65536)
def _title_words(title: str, denied: bool) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """A title's words (less those it denies, "non-diabetic", if `denied`), their roots, and the detail it can add:
    its words less its nonessential parts ("... without esophagitis", "(benign)"), what it lists beside the problem
    ("Syncope and collapse" adds nothing to syncope; "Cough syncope" does) and the neutral words."""
    words = frozenset(_stems(_DENIED.sub(" ", title) if denied else title))
    detail = frozenset(_stems(_beside_dropped(NONESSENTIAL.sub(" ", title)))) - _NEUTRAL
    return words, frozenset(_root(w) for w in words), detail


def _beside_dropped(title: str) -> str:
    """The title without what it lists beside its first condition ("Syncope and collapse": "Syncope"); the adjectives
    "and" joins stay ("Other and unspecified postprocedural ...": no condition before "and")."""
    m = _AND_PART.search(title)
    return title[: m.start()] + title[m.end():] if m and set(_stems(title[: m.start()])) - _NEUTRAL else title


def _name_stems(text: str) -> list[str]:
    """`_stems` keeping "chronic": ICD-10-CM lists "Bronchitis NOS" under J40 and "Chronic bronchitis" under J42, and
    read alike the two names were one name of two codes, so neither was a bare name. (A name it does not list with
    "chronic", "chronic back pain", is then looked up without it.)"""
    return _stems(text, filler=_NAME_FILLER)


def _stems(text: str, neutral: frozenset[str] = _NEUTRAL, filler: frozenset[str] = _FILLER_WORDS) -> list[str]:
    """Lower-case content words with a plural 's' dropped ('stones' ~ 'stone')."""
    out = []
    for word in _WORD.findall(text.lower()):
        if word in filler or word in neutral:
            continue
        out.append(word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word)
    return out
