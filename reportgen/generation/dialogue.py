"""A note as a sequence of sentences, each with who said it and where.

Visit transcripts (`[doctor] ...`, `Doctor: ...`, `[patient_guest] ...`, a relative's `Mother: ...` among them,
`Speaker 1: ...`) become one `Sentence` per sentence of each turn; plain notes become sentences with no
speaker. Transcript tokenisation is undone here ("do n't" -> "don't",
"i , i think" -> "I, I think") so every later step sees written text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

# A transcription tool's time stamp before the speaker: "[00:01:23]", "00:01:23.5 -", "(01:23)".
_STAMP = r"(?:[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\])]?\s*-?\s*)?"
# "[doctor]", "[patient_guest]", "Doctor:", "PT:", "Pt.:", "Guest_family:", a clinician by name ("Dr. Lee:", "Nurse
# Kelly:"; the name capitalised, so "Patient states: ..." in a note stays text) at the start of a line.
_SPEAKER = re.compile(
    rf"^\s*{_STAMP}(?:\[(?P<tag>[a-z_]+)\]|"
    r"(?:(?P<label>doctor|patient|clinician|provider|nurse|physician|dr|pt|guest[_ ]?\w*)\.?"
    r"|(?P<named>doctor|dr\.?|nurse)(?:\s+(?-i:[A-Z][\w'-]*)){1,2}"
    r"|(?P<numbered>speaker\s*\d+))\s*:)\s*",
    re.I,
)
# A relative, carer or interpreter speaking in a transcript ("Mother: He's had a fever for three days"): a guest.
# Only where the note has doctor or patient turns too; in a written note "Mother: breast cancer at 52" is history.
_RELATIVES = ("mother", "mom", "father", "dad", "parent", "caregiver", "carer", "wife", "husband", "spouse", "partner",
              "son", "daughter", "sister", "brother", "grandmother", "grandfather", "family member", "interpreter")
_RELATIVE = re.compile(rf"^\s*(?P<label>{'|'.join(_RELATIVES)})\s*:\s*", re.I)
_ROLES = {"dr": "doctor", "pt": "patient", "clinician": "doctor", "provider": "doctor", "physician": "doctor", "nurse": "doctor"}
# A sentence ends at . ! ? followed by space, unless the period belongs to a number or a title ("dr.").
_SENTENCE_END = re.compile(r"(?<!\bdr\.)(?<!\bmr\.)(?<!\bms\.)(?<!\bmrs\.)(?<=[.!?])\s+(?=\S)", re.I)
_CONTRACTIONS = [
    (re.compile(r"\b(\w+) n't\b", re.I), r"\1n't"),
    (re.compile(r"\b(\w+) '(s|re|ve|ll|d|m)\b", re.I), r"\1'\2"),
    (re.compile(r"\bgon na\b", re.I), "going to"),
    (re.compile(r"\bwan na\b", re.I), "want to"),
    (re.compile(r"\bgot ta\b", re.I), "got to"),
    (re.compile(r"\bca n't\b", re.I), "can't"),
]
# What every pattern of _CONTRACTIONS needs: a split-off "n't" or "'s", "'re", ..., or "na"/"ta" after a space.
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[?]")  # what the learned models read: words, numbers, question marks
_TOKENISED_CONTRACTION = re.compile(r" (?:n't|'(?:s|re|ve|ll|d|m)|na|ta)\b", re.I)
_SPACING = [
    (re.compile(r"\s+([,.!?;:%])"), r"\1"),
    (re.compile(r"([(\[$])\s+"), r"\1"),
    (re.compile(r"\s+([)\]])"), r"\1"),
    (re.compile(r"\bi\b"), "I"),
    (re.compile(r"\bi'(m|ve|ll|d)\b"), r"I'\1"),
    (re.compile(r"\s{2,}"), " "),
]


@dataclass(frozen=True)
class Sentence:
    text: str  # written form: tokenisation undone, nothing else changed
    speaker: str | None  # "doctor", "patient", "guest" or None for plain notes
    turn: int  # index of the speaker turn (line) it came from
    index: int  # index among all sentences of the note
    turn_start: bool  # first sentence of its turn


def sentences(note_text: str) -> list[Sentence]:
    """The note's sentences. A line without a speaker tag between two tagged lines continues the turn before
    it (transcribers break long turns over lines); other untagged lines have no speaker."""
    return list(_sentences(note_text))


# The generator and then the problem finder read the same note's sentences: split once, in the process's memory only.
@lru_cache(maxsize=32)
def _sentences(note_text: str) -> tuple[Sentence, ...]:
    lines = [line for line in note_text.splitlines() if line.strip()]
    tags = [_SPEAKER.match(line) for line in lines]
    if sum(m is not None for m in tags) >= 2:
        tags = [m or _RELATIVE.match(line) for m, line in zip(tags, lines)]
    last_tag = max((i for i, m in enumerate(tags) if m), default=-1)
    roles = _numbered_roles(lines, tags)
    found: list[Sentence] = []
    speaker: str | None = None
    turn = -1
    for i, (line, m) in enumerate(zip(lines, tags)):
        if m:
            label = _label(m)
            speaker = roles.get(label) or _role(label)
            line = line[m.end() :]
        elif i > last_tag:
            speaker = None
        continued = m is None and speaker is not None
        turn += not continued
        for position, text in enumerate(s for s in _SENTENCE_END.split(untokenize(line)) if s.strip()):
            found.append(Sentence(text.strip(), speaker, turn, len(found), position == 0 and not continued))
    return tuple(found)


def words(items: Sequence[Sentence]) -> list[list[str]]:
    """Each sentence's words (lower case), as the generator's learned models read them."""
    return [_WORD.findall(s.text.lower()) for s in items]


def is_transcript(items: list[Sentence]) -> bool:
    return sum(s.speaker is not None for s in items) >= max(2, len(items) // 2)


def untokenize(text: str) -> str:
    """Undo transcript tokenisation: 'i , i do n't know .' -> 'I, I don't know.'"""
    if _TOKENISED_CONTRACTION.search(text):  # most lines have none: one scan instead of six
        for pattern, replacement in _CONTRACTIONS:
            text = pattern.sub(replacement, text)
    for pattern, replacement in _SPACING:
        text = pattern.sub(replacement, text)
    return text.strip()


def _label(match: re.Match[str]) -> str:
    """The speaker as the line names them: "doctor", "Dr.", "Speaker 1", "Mother"."""
    return next(value for value in match.groupdict().values() if value)


def _numbered_roles(lines: list[str], tags: list[re.Match[str] | None]) -> dict[str, str]:
    """A speech-to-text tool's "Speaker 1", "Speaker 2" by role: the clinician is the one who asks the most
    questions (on a tie, the first to speak, who opens the visit); the others speak as the patient."""
    asked: dict[str, int] = {}
    for line, m in zip(lines, tags):
        if m is not None and m.groupdict().get("numbered"):
            label = _label(m)
            asked[label] = asked.get(label, 0) + line.count("?")
    doctor = max(asked, key=lambda label: asked[label], default=None)  # max keeps the first of equals
    return {label: "doctor" if label == doctor else "patient" for label in asked}


def _role(raw: str) -> str:
    raw = raw.lower().rstrip(".")
    if raw.startswith("guest") or raw.endswith("_guest") or raw in _RELATIVES:
        return "guest"
    return _ROLES.get(raw, raw if raw in ("doctor", "patient") else "doctor")
