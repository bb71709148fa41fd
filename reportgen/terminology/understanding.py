"""Query understanding: what a phrase asserts about each condition it names.

`understand(text) -> Query` splits clinical text into mentions and gives each an
assertion status, NegEx/ConText style (cue words open a scope that runs to the
end of the clause or to a terminating word):

    >>> q = understand("chest pain, rule out MI; h/o DVT; no fever")
    >>> [(m.text, m.assertion) for m in q.mentions]
    [('chest pain', 'present'), ('MI', 'possible'), ('DVT', 'history'), ('fever', 'absent')]

Assertions: `present`, `absent` (denied, negative, "without"), `possible` (rule out,
suspected, ruled out), `history` (history of, h/o, former), `status` (s/p, status
post: a procedure done), `family` (family history of). Laterality words and
abbreviations (LLE, RUE, bilat, "L hip") are rewritten, and everyday body and symptom words (leg,
belly, voice box, hurts, swollen) get added, in the words ICD-10-CM titles use.

The terminology search codes only what is asserted as present (history, status and
family mentions are searched in the wording of the Z codes for them) and drops any
hit that would code an absent or possible condition as present; the report's
problem list uses the same component.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import Literal

from reportgen.alternation import whole_words
from reportgen.resources import corpora_dir
from reportgen.terminology.analysis import analyze, term_set

Assertion = Literal["present", "absent", "possible", "history", "status", "family"]
Laterality = Literal["left", "right", "bilateral"]

PROCEDURES_FILE = "procedures.tsv"

# Cue phrases that open a scope over the words after them (longest match wins).
PRE_CUES: dict[str, Assertion] = {
    **dict.fromkeys(
        ["no", "not", "denies", "denied", "denying", "negative for", "no evidence of", "no signs of", "no sign of",
         "no history of", "no hx of", "no h/o", "free of", "absence of", "never had", "without", "w/o", "neg for"],
        "absent",
    ),
    **dict.fromkeys(
        ["rule out", "r/o", "rule-out", "to rule out", "evaluate for", "evaluation for", "possible", "suspected",
         "suspicion of", "concern for", "question of", "questionable"],
        "possible",
    ),
    **dict.fromkeys(
        ["history of", "hx of", "h/o", "past history of", "personal history of", "past medical history of",
         "pmh of", "pmhx of", "former", "previous", "prior", "remote history of"],
        "history",
    ),
    **dict.fromkeys(["s/p", "status post", "s/p of"], "status"),
    **dict.fromkeys(
        ["family history of", "family hx of", "fh of", "fhx of", "fh", "fhx", "family history significant for"], "family"
    ),
}
# Cue phrases that look back over the words before them in the same clause.
POST_CUES: dict[str, Assertion] = {
    **dict.fromkeys(["ruled out", "was ruled out", "has been ruled out", "excluded", "was excluded", "unlikely",
                     "negative", "is negative", "was negative", "denied"], "absent"),
    **dict.fromkeys(["resolved", "in the past"], "history"),
}
# Words that end a cue's scope inside a clause.
TERMINATORS = ("but", "however", "although", "though", "presents with", "presenting with", "complains of", "c/o",
               "now with", "reports", "except")
# Cues that are part of ICD-10-CM wording ("without complications"): kept in the search text.
KEPT_CUES = {"without": "without", "w/o": "without"}

_CLAUSE = re.compile(r"[,;.:\n]+|\s+-\s+")

# Laterality and extremity abbreviations, rewritten in ICD-10-CM's words.
LIMBS = {
    "lle": "left lower limb", "rle": "right lower limb", "lue": "left upper limb", "rue": "right upper limb",
    "ble": "bilateral lower limbs", "bue": "bilateral upper limbs", "lex": "lower limb", "uex": "upper limb",
}
# Everyday (body) words and the words ICD-10-CM titles use for them (added, not replaced).
BODY_WORDS = {
    "bleed": "hemorrhage", "bleeding": "hemorrhage",
    "leg": "lower limb extremity", "legs": "lower limbs extremities", "arm": "upper limb extremity",
    "arms": "upper limbs extremities", "belly": "abdomen abdominal", "tummy": "abdomen abdominal",
    "pee": "urine", "voice box": "larynx", "windpipe": "trachea", "gullet": "esophagus",
    "kneecap": "patella", "collarbone": "clavicle", "shin": "tibia lower leg", "thigh": "femur",
    "womb": "uterus", "back passage": "rectum anus", "bowel": "intestine", "gut": "intestine",
    "armpit": "axilla", "groin": "inguinal", "buttock": "gluteal",
    "distal": "lower end", "proximal": "upper end",  # "distal radius": ICD-10-CM's "lower end of radius"
    # Organ adjectives: ICD-10-CM names a cancer by the organ ("ovarian cancer" found "... of uvula" first).
    "ovarian": "ovary", "testicular": "testis", "pancreatic": "pancreas", "hepatic": "liver", "renal": "kidney",
    "gastric": "stomach", "uterine": "uterus", "esophageal": "esophagus", "laryngeal": "larynx", "rectal": "rectum",
    # How people say a symptom ("my knees hurt", "joint aches", "legs are swollen").
    "hurt": "pain", "hurts": "pain", "hurting": "pain", "ache": "pain", "aches": "pain", "aching": "pain", "achy": "pain",
    "swollen": "swelling edema", "hard time": "difficulty", "trouble": "difficulty",  # "hard time swallowing"
    "blurry": "blurred",  # "blurry vision": "blurred vision" (not "torn" -> "tear": tears are also epiphora)
}
_BODY_WORD = whole_words(BODY_WORDS)
SIDES: dict[str, Laterality] = {"left": "left", "lt": "left", "right": "right", "rt": "right", "bilateral": "bilateral",
                                "bilat": "bilateral", "b/l": "bilateral", "both": "bilateral"}
# A lone "L"/"R" is a side only before a body part ("OA of L hip"), never on its own.
BODY_PARTS = ("hip", "knee", "shoulder", "elbow", "wrist", "ankle", "foot", "feet", "hand", "arm", "leg", "eye", "ear",
              "breast", "lung", "kidney", "thigh", "finger", "toe", "heel", "calf", "forearm", "lower", "upper")
_LONE_SIDE = re.compile(r"\b([lr])\.?\s+(?=(?:" + "|".join(BODY_PARTS) + r")s?\b)", re.IGNORECASE)
_SIDE_WORD = whole_words({*SIDES, *LIMBS})


@dataclass(frozen=True)
class Mention:
    """One stretch of text and what the writer asserts about it."""

    text: str  # as written, cue words removed
    start: int  # character offsets in the original text
    end: int
    assertion: Assertion
    cue: str = ""  # the cue that set the assertion ('' for present)
    laterality: Laterality | None = None

    @property
    def affirmed(self) -> bool:
        """True if the condition is asserted as present now."""
        return self.assertion == "present"


@dataclass(frozen=True)
class Query:
    text: str
    mentions: tuple[Mention, ...]

    @property
    def search_text(self) -> str:
        """What to search for: present mentions, "without" features, and history/status/family
        mentions in the wording of their Z codes; absent and possible ones are left out."""
        parts = []
        for m in self.mentions:
            words = _icd_words(m.text)
            if m.assertion == "present":
                parts.append(words)
            elif m.cue in KEPT_CUES:
                parts.append(f"without {words}")
            elif m.assertion == "history":
                parts.append(f"personal history of {words}")
            elif m.assertion == "family":
                parts.append(f"family history of {words}")
            elif m.assertion == "status":
                parts.append(status_wording(m.text))
        return " ".join(p for p in parts if p.strip())

    @property
    def excluded(self) -> tuple[Mention, ...]:
        """Mentions that must not be coded as present conditions."""
        return tuple(m for m in self.mentions if m.assertion != "present")

    def contradicts(self, title: str) -> bool:
        """True if coding `title` would assert an excluded mention as a present condition.

        A title contradicts an absent or possible mention that it names outside its own
        "without ..." part, a history/family/status mention unless it is a history,
        family-history or status title, and a present mention whose feature its "without ..."
        part denies ("GERD with esophagitis": not K21.9 "... without esophagitis").
        """
        named, denials, about_the_past = _title_words(title)
        if any(denied <= self._present for denied in denials):
            return True
        return any(stems <= named and (assertion in ("absent", "possible") or not about_the_past) for assertion, stems in self._excluded)

    # Per query, not per title: a search asks about 100-200 candidate titles.
    @cached_property
    def _present(self) -> set[str]:
        return {s for m in self.mentions if m.assertion == "present" for s in analyze(m.text)}

    @cached_property
    def _excluded(self) -> list[tuple[Assertion, set[str]]]:
        """Each excluded mention's assertion and its identifying stems (mentions with none left out)."""
        found = ((m.assertion, set(analyze(m.text)) - _GENERIC) for m in self.excluded)
        return [(assertion, stems) for assertion, stems in found if stems]


_WITHOUT_PART = re.compile(r"\bwithout\b.*?(?=\bwith\b|[,;]|$)", re.IGNORECASE)
_PAST_TITLE = re.compile(r"\b(history|status|old|sequelae|presence of|absence of|aftercare)\b", re.IGNORECASE)
# Words too general to identify a condition on their own ("no acute distress").
_GENERIC = set(analyze("acute chronic severe mild moderate significant known any other new recent current"))
_WITHOUT = set(analyze("without"))


@lru_cache(maxsize=200_000)
def _title_words(title: str) -> tuple[frozenset[str], tuple[frozenset[str], ...], bool]:
    """A title's stems outside its "without ..." parts, the features each such part denies, and whether
    it is about the past. Cached: the same candidate titles come back query after query."""
    if title.isascii() and "without" not in title.lower():  # most titles: the regex scans cost more than the rest
        return term_set(title), (), bool(_PAST_TITLE.search(title))
    denials = (frozenset(analyze(part)) - _WITHOUT - _GENERIC for part in _WITHOUT_PART.findall(title))
    return frozenset(analyze(_WITHOUT_PART.sub(" ", title))), tuple(d for d in denials if d), bool(_PAST_TITLE.search(title))


def understand(text: str) -> Query:
    """Split `text` into mentions with their assertion status (see the module docstring)."""
    mentions: list[Mention] = []
    for clause in _clauses(text):
        mentions.extend(_clause_mentions(text, *clause))
    return Query(text, tuple(mentions))


def _clauses(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _CLAUSE.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


@cache
def _cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(c).replace(r"\ ", r"\s+") for c in sorted(cues, key=len, reverse=True))
    return re.compile(r"(?<![\w/])(" + alternatives + r")(?![\w/])", re.IGNORECASE)


def _clause_mentions(text: str, start: int, end: int) -> list[Mention]:
    clause = text[start:end]
    # A post cue at the end of the clause ("stroke ruled out") applies to what comes before it.
    post = None
    for m in _cue_pattern(tuple(POST_CUES)).finditer(clause):
        if not clause[m.end():].strip():
            post = m
    if post is not None:
        clause_end = post.start()
        inner = _clause_mentions(text, start, start + clause_end)
        status = POST_CUES[post.group(1).lower()]
        return [
            Mention(m.text, m.start, m.end, status if m.assertion == "present" else m.assertion, m.cue or post.group(1).lower(),
                    m.laterality)
            for m in inner
        ]
    # Scopes: each pre cue or terminator starts a new segment.
    marks = [(m.start(), m.end(), m.group(1).lower(), True) for m in _cue_pattern(tuple(PRE_CUES)).finditer(clause)]
    marks += [(m.start(), m.end(), "", False) for m in _cue_pattern(TERMINATORS).finditer(clause)]
    marks.sort()
    segments: list[tuple[int, int, Assertion, str]] = []
    cursor, cue = 0, ""
    assertion: Assertion = "present"
    for s, e, found, is_cue in marks:
        found = re.sub(r"\s+", " ", found)
        # "history of stroke without residual deficits": the feature stays part of the history mention.
        if s < cursor or (found in KEPT_CUES and assertion in ("history", "family", "status")):
            continue
        segments.append((cursor, s, assertion, cue))
        assertion, cue = (PRE_CUES[found], found) if is_cue else ("present", "")
        cursor = e
    segments.append((cursor, len(clause), assertion, cue))
    mentions = []
    for s, e, assertion, cue in segments:
        piece = clause[s:e]
        stripped = piece.strip()
        if stripped and analyze(stripped):
            offset = start + s + (len(piece) - len(piece.lstrip()))
            mentions.append(Mention(stripped, offset, offset + len(stripped), assertion, cue, _laterality(stripped)))
    return mentions


def _laterality(text: str) -> Laterality | None:
    for m in _SIDE_WORD.finditer(text):
        word = m.group().lower()
        if word in SIDES:
            return SIDES[word]
        if word in LIMBS and LIMBS[word].split()[0] in ("left", "right", "bilateral"):
            return SIDES[LIMBS[word].split()[0]]
    lone = _LONE_SIDE.search(text)
    if lone:
        return "left" if lone.group(1).lower() == "l" else "right"
    return None


def _icd_words(text: str) -> str:
    """Laterality and extremity abbreviations in ICD-10-CM's words ("LLE" -> "left lower limb")."""
    text = _LONE_SIDE.sub(lambda m: "left " if m.group(1).lower() == "l" else "right ", text)

    def word(m: re.Match[str]) -> str:
        found = m.group().lower()
        if found in LIMBS:
            return LIMBS[found]
        return SIDES[found] if SIDES[found] != "bilateral" or found != "both" else "bilateral"

    text = _SIDE_WORD.sub(word, text)
    return _BODY_WORD.sub(lambda m: f"{m.group()} {BODY_WORDS[m.group().lower()]}", text)


@cache
def procedures() -> dict[str, str]:
    """corpora/procedures.tsv: a procedure as clinicians write it -> the wording of its status Z code."""
    with (corpora_dir() / PROCEDURES_FILE).open(encoding="utf-8", newline="") as f:
        return {row["procedure"].lower(): row["status"] for row in csv.DictReader(f, delimiter="\t")}


@cache
def _procedure_pattern() -> re.Pattern[str]:
    return _cue_pattern(tuple(procedures()))


def status_wording(text: str) -> str:
    """"s/p left knee replacement" -> "presence of left artificial knee joint status" (ICD-10-CM Z-code words)."""
    found = _procedure_pattern().search(text)
    side = _laterality(text)
    if found is None:
        return f"{_icd_words(text)} status"
    wording = procedures()[re.sub(r"\s+", " ", found.group(1).lower())]
    return f"{wording} {side} status" if side else f"{wording} status"
