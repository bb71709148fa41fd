"""The model-free generator: sorts the note's own sentences into sections.

- A note with section headers keeps its sections (header aliases from the layout).
- An unheaded note or a visit transcript (`[doctor]` / `[patient]` lines) is
  split into sentences; each goes to the section whose cue phrases it matches
  best, and a clinician's spoken openers ("on physical exam", "my assessment")
  switch the current section, so dictated parts land where they belong.

Nothing is invented: every sentence of the report is copied from the note, and
the provenance says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from reportgen.generation import Draft
from reportgen.layout import Layout, SectionSpec
from reportgen.report import Code

_SPEAKER = re.compile(r"^\s*\[?(doctor|patient|clinician|provider|nurse|guest_\w+|dr|pt)\]?\s*[:\]]\s*", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_FILLER = re.compile(r"^(?:ok(?:ay)?|alright|all right|yeah|yes|no|um+|uh+|hmm+|mm-?hmm|sure|great|thanks?|thank you|right|good|nice|wow|oh)\W*$", re.I)
# "..., okay?" ends many dictated statements; it does not make them questions.
_TAG_QUESTION = re.compile(r",?\s*\b(?:okay|ok|right|alright|all right|yeah|you know)\s*\?$", re.I)
_MIN_WORDS = 6  # shorter utterances are mostly back-channel ("okay, that sounds good")
_CHIEF_COMPLAINT_MAX = 2


@dataclass(frozen=True)
class Utterance:
    speaker: str | None  # "doctor", "patient" or None for plain notes; doctors open sections
    text: str


class ExtractiveGenerator:
    name = "extractive"

    def generate(self, note_text: str, context: list[Code], layout: Layout) -> Draft:
        if any(section_id for section_id, _ in layout.split(note_text)):
            texts = layout.section_texts(note_text)
        else:
            texts = _sorted_sentences(_utterances(note_text), layout)
        return Draft(text=layout.format_draft(texts), generator=self.name)

    def generate_many(self, notes: Sequence[tuple[str, list[Code]]], layout: Layout) -> list[Draft]:
        return [self.generate(text, context, layout) for text, context in notes]


def _utterances(text: str) -> Iterator[Utterance]:
    for line in text.splitlines():
        if not line.strip():
            continue
        speaker = None
        if m := _SPEAKER.match(line):
            speaker = {"dr": "doctor", "pt": "patient"}.get(m.group(1).lower(), m.group(1).lower())
            line = line[m.end() :]
        for sentence in _SENTENCE_END.split(_tidy(line)):
            if sentence.strip():
                yield Utterance(speaker, _capitalize(_TAG_QUESTION.sub(".", sentence.strip())))


def _tidy(text: str) -> str:
    """Undo transcript tokenisation: 'i , i think .' -> 'I, I think.'"""
    text = re.sub(r"\s+([,.!?;:])", r"\1", text)
    text = re.sub(r"\b(?:um+|uh+)\b,?\s*", "", text, flags=re.I)
    text = re.sub(r"\bi\b", "I", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def _capitalize(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _sorted_sentences(utterances: Iterable[Utterance], layout: Layout) -> dict[str, str]:
    cues = _cue_patterns(layout)
    current = layout.fallback
    buckets: dict[str, list[str]] = {}
    for utterance in utterances:
        opened = _opened_section(utterance, layout)
        if opened:
            current = opened
        if len(utterance.text.split()) < _MIN_WORDS or _FILLER.match(utterance.text) or utterance.text.endswith("?"):
            continue
        target = _best_section(utterance.text, cues, current, layout)
        if target == "chief_complaint" and len(buckets.get(target, [])) >= _CHIEF_COMPLAINT_MAX:
            target = layout.fallback
        # Keep who said it: "I have chest pain" means different things from each side.
        prefix = f"{utterance.speaker.capitalize()}: " if utterance.speaker else ""
        buckets.setdefault(target, []).append(prefix + utterance.text)
    return {sid: "\n".join(lines) for sid, lines in buckets.items()}


def _opened_section(utterance: Utterance, layout: Layout) -> str | None:
    if utterance.speaker == "patient":
        return None
    lowered = utterance.text.lower()
    hits = [(lowered.find(phrase), spec.id) for spec in layout.sections for phrase in spec.opens if phrase in lowered]
    return min(hits)[1] if hits else None


def _best_section(text: str, cues: dict[str, re.Pattern[str]], current: str, layout: Layout) -> str:
    scores = {sid: len(pattern.findall(text)) for sid, pattern in cues.items()}
    if current != layout.fallback:
        scores[current] = scores.get(current, 0) + 1  # stay in a dictated section unless cues say otherwise
    best = max(scores, key=lambda sid: scores[sid], default=None)
    if best is None or scores[best] == 0:
        return current
    return best


def _cue_patterns(layout: Layout) -> dict[str, re.Pattern[str]]:
    # re caches compiled patterns, so rebuilding these per note is cheap.
    return {spec.id: _pattern(spec) for spec in layout.sections if spec.cues}


def _pattern(spec: SectionSpec) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(cue.strip()) for cue in sorted(spec.cues, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b", re.I)
