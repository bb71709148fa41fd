"""Parse a draft (layout section format) into the report model.

Tolerant by design: a model may write garbage, skip sections or stop mid-way;
whatever sections can be recovered are kept, required ones that are missing
are marked not documented, and a warning says what happened.
"""

from __future__ import annotations

import re

from reportgen.generation import extract
from reportgen.layout import Layout
from reportgen.report import Code, Problem, Provenance, Report, Section

_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")
_SPEAKER = re.compile(r"^(?:Doctor|Patient): ")
_MAX_PROBLEMS = 12


def parse_draft(text: str, layout: Layout, provenance: Provenance, context: list[Code]) -> Report:
    texts: dict[str, list[str]] = {}
    preamble = ""
    for section_id, body in layout.split(text):
        if section_id is None:
            preamble = body
        elif body:
            texts.setdefault(section_id, []).append(body)
    warnings = list(provenance.warnings)
    if not texts:
        warnings.append("the draft had no recognisable section headers; nothing could be recovered")
    elif preamble:
        warnings.append("text before the first section header was dropped")
    merged = {sid: "\n\n".join(parts) for sid, parts in texts.items()}
    missing = [spec.title for spec in layout.sections if spec.required and spec.id not in merged]
    if missing and texts:
        warnings.append(f"not documented: {', '.join(missing)}")
    sections = [
        Section(id=spec.id, title=spec.title, text=merged.get(spec.id, ""))
        for spec in layout.sections
        if spec.required or spec.id in merged
    ]
    body = "\n".join(merged.values())
    return Report(
        title=layout.title,
        sections=sections,
        problems=problems([merged[sid] for sid in layout.problems if sid in merged]),
        vitals=extract.vitals(body),
        medications=extract.medications(body),
        allergies=extract.allergies(body, merged.get("allergies", "")),
        patient=extract.patient(body),
        context=context,
        provenance=provenance.model_copy(update={"warnings": warnings}),
    )


def problems(assessment_texts: list[str]) -> list[Problem]:
    """Problem items: short headline lines ("Hypertension.", "1. Knee pain"), else first sentences."""
    items: list[str] = []
    for text in assessment_texts:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        for line in lines:
            if line.startswith(("•", "-", "*")) and ":" in line[:40]:
                continue  # "• Medical Reasoning: ..." belongs to the problem above
            item = _BULLET.sub("", line).rstrip(".:")
            if item and len(item.split()) <= 10 and not item.endswith("?"):
                items.append(item)
    if not items:
        sentences = re.split(r"(?<=[.!?])\s+", " ".join(assessment_texts))
        items = [_SPEAKER.sub("", s).rstrip(".") for s in sentences if len(s.split()) >= 2][:3]
    unique = list(dict.fromkeys(items))[:_MAX_PROBLEMS]
    return [Problem(text=item) for item in unique]
