"""The pipeline: the one place that knows the order of the stages.

    note -> de-identified note -> retrieved context -> draft -> structured report (coded)

Public shape (everything else here is a private stage):

    pipeline = Pipeline.from_settings(settings)      # loads spaCy, the index, a model: once
    result = pipeline.run(note)                      # one note -> Result(report, deid, timings)
    results = pipeline.run_many(notes)               # several: one batched de-identification,
                                                     # one batched generator call
    # or the same three steps, for callers that must handle each note's failure
    # or supply their own drafts (batch, evaluation, training):
    prepared = pipeline.prepare(notes, also=...)     # de-identify (batched) + retrieve
    drafts = pipeline.draft(prepared)                # Generator.generate_many
    results = pipeline.finish(prepared, drafts)      # parse + code

`Prepared.deid` and `Result.deid` are the de-identifier's own `DeidResult`
(the text, companion texts, the identifiers found and `restore`); with
de-identification switched off it holds the note's text unchanged.
`pipeline.deid_policy` names the policy (None = off) and `pipeline.index_version`
the terminology index, as reports are stamped with them. Timings are seconds
per stage per note; a batched stage's time is shared evenly by its notes.
Rendering is the caller's last step (`reportgen.render`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from reportgen.config import Settings
from reportgen.deid import Deidentifier, DeidResult, Item, build_deidentifier
from reportgen.generation import Draft, Generator, load_generator
from reportgen.generation.parse import parse_draft
from reportgen.generation.problems import find_problems
from reportgen.layout import Layout, load_layout
from reportgen.notes import Note
from reportgen.report import Code, Provenance, Report
from reportgen.terminology.index import Terminology, open_terminology


@dataclass
class Prepared:
    """A note ready for a generator: de-identified, with the terms retrieved for it."""

    note: Note = field(repr=False)  # the original: never logged
    deid: DeidResult
    context: list[Code]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The de-identified note: all a generator may see."""
        return self.deid.text


@dataclass
class Result:
    report: Report
    deid: DeidResult
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage


@dataclass
class Pipeline:
    settings: Settings
    layout: Layout
    generator: Generator
    terminology: Terminology | None = None  # None: no grounding context, problems left uncoded
    deidentifier: Deidentifier | None = None  # None only when the caller switched it off (--no-deid)

    @classmethod
    def from_settings(cls, settings: Settings, deidentify: bool = True) -> Pipeline:
        """Loads everything once; de-identification fails closed (RuntimeFailure) if its model is missing."""
        layout = load_layout(settings.generate.layout, settings.generate.templates_dir)
        return cls(
            settings=settings,
            layout=layout,
            generator=load_generator(settings.generate, settings.threads, settings.es),
            terminology=open_terminology(settings, dense=False),  # lexical: see terminology.index
            deidentifier=build_deidentifier(settings.deid) if deidentify else None,
        )

    @property
    def deid_policy(self) -> str | None:
        return self.deidentifier.policy if self.deidentifier else None

    @cached_property
    def index_version(self) -> str | None:
        """The terminology index reports are coded with (backend, versions, build time)."""
        return self.terminology.description if self.terminology else None

    # ------------------------------------------------------------ the public steps

    def run(self, note: Note) -> Result:
        return self.run_many([note])[0]

    def run_many(self, notes: Sequence[Note]) -> list[Result]:
        prepared = self.prepare(notes)
        return self.finish(prepared, self.draft(prepared))

    def prepare(self, notes: Sequence[Note], also: Sequence[Sequence[str]] = (), patient: str | None = None) -> list[Prepared]:
        """De-identify the notes (one batched call) and retrieve terms for each.

        `also[i]` are companion texts of note i (a training pair's reference report)
        de-identified with the same mapping; they come back in `prepared.deid.also`.
        `patient` (default the configured `deid.patient_key`) scopes the surrogates: with the
        deidentifier's secret fixed, the same patient's notes get the same surrogates in every run.
        """
        start = time.perf_counter()
        cleaned = self._deidentify(notes, also, patient or self.settings.deid.patient_key)
        share = (time.perf_counter() - start) / max(1, len(notes))
        prepared = []
        for note, clean in zip(notes, cleaned, strict=True):
            timings = {"deid": share}
            with timed(timings, "retrieve"):
                context = self._retrieve(clean.text)
            prepared.append(Prepared(note, clean, context, timings))
        return prepared

    def draft(self, prepared: Sequence[Prepared]) -> list[Draft]:
        """The generator's drafts, one batched call; its time is shared by the notes."""
        start = time.perf_counter()
        drafts = self.generator.generate_many([(p.text, p.context) for p in prepared], self.layout)
        share = (time.perf_counter() - start) / max(1, len(prepared))
        for p in prepared:
            p.timings["generate"] = share
        return drafts

    def finish(self, prepared: Sequence[Prepared], drafts: Sequence[Draft]) -> list[Result]:
        """Parse each draft into a report and code its problems."""
        results = []
        for p, draft in zip(prepared, drafts, strict=True):
            timings = dict(p.timings)
            with timed(timings, "parse"):
                report = self._parse(draft, p)
            with timed(timings, "code"):
                report = self._code(report, p.text)
            results.append(Result(report=report, deid=p.deid, timings=timings))
        return results

    # ------------------------------------------------------------ the stages

    def _deidentify(self, notes: Sequence[Note], also: Sequence[Sequence[str]], patient: str | None) -> list[DeidResult]:
        companions = list(also) or [()] * len(notes)
        if self.deidentifier is None:
            return [DeidResult(text=n.text, also=list(a), identifiers=[], audit=[]) for n, a in zip(notes, companions, strict=True)]
        items = [Item(n.id, n.text, tuple(a), patient) for n, a in zip(notes, companions, strict=True)]
        return self.deidentifier.run(items)

    def _retrieve(self, clean_text: str) -> list[Code]:
        """Terms that ground the generator, searched with the de-identified text only."""
        if self.terminology is None or self.settings.terms.context_k == 0:
            return []
        hits = self.terminology.search(clean_text, self.settings.terms.context_k)
        return [hit.to_code(self.terminology.index.name) for hit in hits]

    def _parse(self, draft: Draft, prepared: Prepared) -> Report:
        note = prepared.note
        provenance = Provenance(
            generator=draft.generator,
            extractive=draft.extractive,
            model_id=draft.model_id,
            model_version=draft.model_version,
            prompt_format=draft.prompt_format,
            deid_policy=self.deid_policy,
            layout=self.layout.name,
            note_id=note.id,
            note_sha256=note.sha256,
            warnings=[*note.warnings, *draft.warnings],
        )
        return parse_draft(draft.text, self.layout, provenance, prepared.context)

    def _code(self, report: Report, clean_text: str) -> Report:
        """The problem list from the assessment and chief complaint (and the problems the de-identified
        note names), each problem with its context and ICD-10-CM codes."""
        texts = [s.text for sid in self.layout.problems if (s := report.section(sid)) is not None and s.documented]
        complaint = report.section("chief_complaint")
        others = [s.text for s in report.sections if s.documented and s.id not in (*self.layout.problems, "chief_complaint")]
        problems = find_problems(texts, complaint.text if complaint else "", self.terminology,
                                 self.settings.terms.codes_per_problem, others, clean_text)
        update: dict[str, object] = {"problems": problems}
        if self.terminology is not None:
            update["provenance"] = report.provenance.model_copy(update={"terminology_index": self.index_version})
        return report.model_copy(update=update)


@contextmanager
def timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = time.perf_counter() - start
