"""One note through the pipeline, one function per stage:

note -> de-identified note -> retrieved context -> draft -> structured report (coded).

Rendering is the caller's last step (`reportgen.render`). `Pipeline` loads the
heavy resources (spaCy, the index, a model) once and is reused across notes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from reportgen.config import Settings
from reportgen.deid import Deidentifier, Item, build_deidentifier
from reportgen.generation import Draft, Generator, load_generator
from reportgen.generation.parse import parse_draft
from reportgen.layout import Layout, load_layout
from reportgen.notes import Note
from reportgen.report import Code, Provenance, Report
from reportgen.terminology.index import Terminology, open_terminology


@dataclass
class Deidentified:
    """A note after de-identification (or with it switched off: policy None)."""

    text: str
    policy: str | None
    # Companion texts (e.g. a training pair's reference report) de-identified with the same mapping.
    also: list[str] = field(default_factory=list)
    # The original identifiers found (for --restore-phi and the PHI-leak check): in memory only, never logged.
    identifiers: list[str] = field(default_factory=list, repr=False)
    restorer: Callable[[str], tuple[str, int]] | None = field(default=None, repr=False)

    def restore(self, text: str) -> str:
        """Put the original identifiers back in text written from this note (the clinician's copy)."""
        return self.restore_counted(text)[0]

    def restore_counted(self, text: str) -> tuple[str, int]:
        """restore(), and how many identifiers it put back (only where they were replaced)."""
        return self.restorer(text) if self.restorer else (text, 0)


@dataclass
class Result:
    report: Report
    deid: Deidentified
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
            generator=load_generator(settings.generate, settings.threads),
            terminology=open_terminology(settings),
            deidentifier=build_deidentifier(settings.deid) if deidentify else None,
        )

    def run(self, note: Note) -> Result:
        timings: dict[str, float] = {}
        with timed(timings, "deid"):
            clean = self.deidentify(note)
        with timed(timings, "retrieve"):
            context = self.retrieve(clean)
        with timed(timings, "generate"):
            draft = self.generator.generate(clean.text, context, self.layout)
        with timed(timings, "parse"):
            report = self.parse(draft, note, clean, context)
        with timed(timings, "code"):
            report = self.code(report)
        return Result(report=report, deid=clean, timings=timings)

    def deidentify(self, note: Note, also: Sequence[str] = ()) -> Deidentified:
        if self.deidentifier is None:
            return Deidentified(text=note.text, policy=None, also=list(also))
        item = Item(note.id, note.text, tuple(also), self.settings.deid.patient_key)
        result = self.deidentifier.run([item])[0]
        return Deidentified(
            text=result.text,
            policy=self.deidentifier.policy,
            also=result.also,
            identifiers=result.identifiers,
            restorer=result.restore_counted,
        )

    def retrieve(self, clean: Deidentified) -> list[Code]:
        """Terms that ground the generator, searched with the de-identified text only."""
        if self.terminology is None or self.settings.terms.context_k == 0:
            return []
        hits = self.terminology.search(clean.text, self.settings.terms.context_k)
        return [hit.to_code(self.terminology.index.name) for hit in hits]

    def parse(self, draft: Draft, note: Note, clean: Deidentified, context: list[Code]) -> Report:
        provenance = Provenance(
            generator=draft.generator,
            extractive=draft.extractive,
            model_id=draft.model_id,
            model_version=draft.model_version,
            prompt_format=draft.prompt_format,
            deid_policy=clean.policy,
            layout=self.layout.name,
            note_id=note.id,
            note_sha256=note.sha256,
            warnings=[*note.warnings, *draft.warnings],
        )
        return parse_draft(draft.text, self.layout, provenance, context)

    def code(self, report: Report) -> Report:
        """Attach the best-matching ICD-10-CM codes (with scores) to each problem of the assessment."""
        if self.terminology is None:
            return report
        terminology, k = self.terminology, self.settings.terms.codes_per_problem
        problems = [
            problem.model_copy(
                update={"codes": [h.to_code(terminology.index.name) for h in terminology.search(problem.text, k, "icd10cm")]}
            )
            for problem in report.problems
        ]
        provenance = report.provenance.model_copy(update={"terminology_index": terminology.description})
        return report.model_copy(update={"problems": problems, "provenance": provenance})


@contextmanager
def timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = time.perf_counter() - start
