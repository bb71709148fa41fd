"""The model-free generator: the note's own sentences, sorted into sections by a
trained tagger and written as a note is written.

- A note with section headers keeps its sections (header aliases from the layout).
- A visit transcript is split into sentences; the tagger (`generation.tagger`,
  trained by `reportgen train --method extractive`) says which section each
  belongs to or that the report does not use it; talk to a voice assistant,
  back-channel and unanswered questions are left out; what is kept is put in
  written-note language (`generation.wording`).
- A transcript that is an excerpt about one topic (`generation.excerpt`, in the same
  model file) keeps its statements under that one section; a short visit the excerpt
  classifier takes for one (its sentences cover three of the report's divisions) is sorted.
- An unheaded plain note keeps every sentence; the tagger only picks sections.

Nothing is invented: every sentence of the report comes from the note, and the
provenance says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from reportgen.generation import Draft
from reportgen.generation.align import NONE
from reportgen.generation.dialogue import Sentence, is_transcript, sentences
from reportgen.generation.extract import patient
from reportgen.generation.header import dictated_header, header_lines
from reportgen.generation.tagger import TaggerModel
from reportgen.generation.wording import is_backchannel, is_command, prepare, tidy, written
from reportgen.layout import Layout
from reportgen.report import EMPTY_REPORT, Code
from reportgen.resources import shipped_model

NO_CONTENT = "No clinical content was recognised in the note."
# A dialogue the excerpt classifier takes for an excerpt about one section is a short visit when the tagger is sure
# (P(none) <= VISIT_FLOOR) that it talks about three of the report's divisions (history, exam, results, assessment
# and plan). MTS-Dialog's excerpts are as short as such visits, so the classifier's length feature cannot tell them
# apart. The floor was chosen on five short visits written while making this and on MTS-Dialog train: at 0.6 all
# five are sorted and 12 of train's 1,200 excerpts reach three divisions (8 of them histories of present illness,
# still filed there by their words); at 0.5, 9, but the visit where a parent speaks stayed one section. None of
# MTS-Dialog valid's 100 reaches three at either.
VISIT_DIVISIONS = 3
VISIT_FLOOR = 0.6
# A short visit has little talk around its content: the tagger's threshold (for a long visit) dropped an exam
# finding at P(none) 0.83 and "Temperature is 98.6." at 0.87; the greetings and thanks of the same visits were
# >= 0.97. Chosen on those five visits, as VISIT_FLOOR.
SHORT_VISIT_THRESHOLD = 0.9


class ExtractiveGenerator:
    name = "extractive"

    def __init__(self, model: TaggerModel, model_path: Path):
        self.model = model
        self.model_path = model_path

    @classmethod
    def from_path(cls, path: Path | None) -> ExtractiveGenerator:
        """The trained tagger at `path`, or the one shipped with reportgen."""
        path = path or shipped_model("extractive")
        return cls(TaggerModel.load(path), path)

    def generate(self, note_text: str, context: list[Code], layout: Layout) -> Draft:
        warnings: list[str] = []
        header, body = header_lines(note_text) if layout.header else ([], note_text)
        if any(section_id for section_id, _ in layout.split(body)):
            texts = layout.section_texts(body)
            if "chief_complaint" in layout.section_ids and "chief_complaint" not in texts and (complaint := _reason_for_visit(sentences(body))):
                texts["chief_complaint"] = complaint  # a headed note without the section: the complaint it states
        else:
            texts = self.sort(body, layout)
        if header and layout.header:
            texts[layout.header] = "\n".join([*header, texts.get(layout.header, "")]).strip()
        if not any(t.strip() for t in texts.values()):
            warnings.append(EMPTY_REPORT)
            texts = {layout.fallback: NO_CONTENT}
        return Draft(text=layout.format_draft(texts), generator=self.name,
                     model_id=self.model_path.name, model_version=self.model.sha256[:12], warnings=warnings)

    def generate_many(self, notes: Sequence[tuple[str, list[Code]]], layout: Layout) -> list[Draft]:
        return [self.generate(text, context, layout) for text, context in notes]

    def sort(self, note_text: str, layout: Layout) -> dict[str, str]:
        """Section id -> the note's sentences the tagger puts there, in written-note language."""
        items = sentences(note_text)
        if self.model.segmenter is not None:
            items = self.model.segmenter.split(items)
        transcript = is_transcript(items)
        # An excerpt about one topic (MTS-Dialog's dialogues are) is written under that one section.
        excerpt = self.model.excerpt.section(items) if transcript and self.model.excerpt is not None else None
        items = prepare(items)
        probabilities = self.model.probabilities(items)
        scores = self.model.section_scores(probabilities)
        known = layout.section_ids
        short = excerpt is not None and len(self._divisions(items, probabilities, scores, layout)) >= VISIT_DIVISIONS
        if short:
            excerpt = None  # a short visit, not an excerpt: each sentence goes to its own section
        threshold = SHORT_VISIT_THRESHOLD if short else self.model.threshold
        none = self.model.classes.index(NONE)
        sex = patient(note_text).sex
        buckets: dict[str, list[str]] = {}
        left_out: list[tuple[int, str]] = []  # usable sentences below the content threshold
        dictated = dictated_header(items) if layout.header else set()
        for i, (sentence, row, score) in enumerate(zip(items, probabilities, scores)):
            if i in dictated and layout.header:  # identifiers, not narrative; never dropped
                buckets.setdefault(layout.header, []).append(tidy(sentence.text))
                continue
            if (excerpt is not None or short) and (exchange := _exchange(items, i, sex)):
                text = exchange
            elif not _usable(sentence, transcript):
                continue
            else:
                text = written(sentence, sex)
            if excerpt is not None:
                section = excerpt if excerpt in known else layout.fallback  # every statement of an excerpt is about its topic
            elif transcript and row[none] > threshold:
                left_out.append((i, text))
                continue  # talk the report does not use; a written note's sentences are all content
            else:
                ranked = [self.model.classes[j] for j in (-score).argsort() if j != none and self.model.classes[j] in known]
                section = layout.sortable(ranked, text) or layout.fallback
            if text and text not in buckets.get(section, []):
                buckets.setdefault(section, []).append(text)
        if excerpt is None and transcript:
            self._fill_divisions(buckets, left_out, probabilities, layout)
        if excerpt is None and "chief_complaint" in known and "chief_complaint" not in buckets and (complaint := _reason_for_visit(items)):
            buckets["chief_complaint"] = [complaint]
        return {section: " ".join(lines) for section, lines in buckets.items()}

    def _divisions(self, items: list[Sentence], probabilities: np.ndarray, scores: np.ndarray, layout: Layout) -> set[str]:
        """The divisions whose sections the tagger gives a usable sentence it is sure is content."""
        none = self.model.classes.index(NONE)
        division = {section.id: section.division for section in layout.sections if section.division}
        found = set()
        for sentence, row, score in zip(items, probabilities, scores):
            if row[none] <= VISIT_FLOOR and _usable(sentence, True):
                best = next((self.model.classes[j] for j in (-score).argsort() if self.model.classes[j] in division), None)
                if best is not None:
                    found.add(division[best])
        return found

    def _fill_divisions(self, buckets: dict[str, list[str]], left_out: list[tuple[int, str]], probabilities: np.ndarray,
                        layout: Layout) -> None:
        """A visit the tagger gave no sentence of a division (no results, no exam) gets the left-out sentence most
        probably of it, when its P(section) reaches the division floor (chosen by cross-validation in training):
        on ACI-Bench train the tagger left the results of 24 of 53 visits that had results empty."""
        floor = self.model.division_floor
        if floor is None or not left_out:
            return
        index = {c: j for j, c in enumerate(self.model.classes)}
        for division in layout.divisions:
            ids = [s.id for s in layout.sections if s.division == division and s.id in index]
            if ids and not any(buckets.get(sid) for sid in ids):
                p, _, sid, text = max((probabilities[i, index[sid]], i, sid, text) for i, text in left_out for sid in ids)
                if p >= floor:
                    buckets[sid] = [text]


_REASON = re.compile(r"(?:\b(?:presents?|presenting|here|comes? in|coming in)(?: today)?(?: to (?:the )?clinic)? (?:for|with)"
                     r"|(?<![\w/])c/o|\bcomplain(?:s|ing)? of) "  # "62 yo F c/o L knee pain x 3 mo"
                     r"(?:an? |her |his |their |some |the )?(?P<reason>[a-z][a-z0-9 '/-]{2,60}?)(?=[,.;]|$| and | who | that | since )", re.I)


def _reason_for_visit(items: list[Sentence]) -> str | None:
    """The reason for the visit as the note states it ("... who presents for her annual exam" -> "Annual exam.")."""
    for sentence in items:
        if (m := _REASON.search(sentence.text)) and not sentence.text.rstrip().endswith("?") and m["reason"].lower() not in _NO_REASON:
            reason = m.group("reason").strip()
            return reason[:1].upper() + reason[1:] + "."
    return None


_NO_REASON = frozenset("anything something nothing that this it".split())  # "do you complain of anything else"


_YES_NO = re.compile(r"\b(?:yes|yeah|yep|yup|no|nope|correct|right)\b", re.I)
_AGREE = re.compile(r"^(are|do|have|were) the patient\b", re.I)  # "Are you ...?" written: "Is the patient ...?"
_AGREE_WITH = {"are": "Is", "do": "Does", "have": "Has", "were": "Was"}


def _exchange(items: list[Sentence], i: int, sex: str | None) -> str | None:
    """In an excerpt, a question answered by a bare yes or no is content only with its answer ("Are you
    allergic to anything?" "No.": the excerpt's one fact): the two as one line; None for anything else."""
    question = items[i]
    if question.speaker != "doctor" or not tidy(question.text).endswith("?") or i + 1 == len(items):
        return None
    answer = items[i + 1]
    if answer.speaker in (None, "doctor") or not answer.turn_start or not is_backchannel(answer.text) or not _YES_NO.search(answer.text):
        return None
    asked = _AGREE.sub(lambda m: _AGREE_WITH[m.group(1).lower()] + " the patient", written(question, sex))
    return f"{asked} {tidy(answer.text)}"


# The doctor asking the patient to talk ("so tell me about your diet.", "can you tell me what happened."): a question.
_REQUEST = re.compile(r"^(?:(?:can|could|would|will) you |why don't you |just )?(?:tell me|walk me through)\b", re.I)


def _usable(sentence: Sentence, transcript: bool) -> bool:
    """Commands and back-channel are never content; in a transcript, neither are questions
    ("..., okay?" is a statement) nor the doctor's requests to tell; in a written note they are kept."""
    if is_command(sentence.text) or is_backchannel(sentence.text):
        return False
    text = tidy(sentence.text)
    return not transcript or not (text.endswith("?") or (sentence.speaker == "doctor" and _REQUEST.match(text)))
