"""Parse a draft (layout section format) into the report model.

Tolerant by design: a model may write garbage, skip sections or stop mid-way;
whatever sections can be recovered are kept, required ones that are missing
are marked not documented, and a warning says what happened.
"""

from __future__ import annotations

from reportgen.generation import extract
from reportgen.layout import Layout
from reportgen.report import EMPTY_REPORT, Code, Provenance, Report, Section


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
    if not any(section.documented for section in sections) and EMPTY_REPORT not in warnings:
        warnings.append(EMPTY_REPORT)
    body = "\n".join(merged.values())
    return Report(
        title=layout.title,
        sections=sections,
        vitals=extract.vitals(body),
        medications=extract.medications(body),
        allergies=extract.allergies(body, merged.get("allergies", "")),
        patient=extract.patient(body),
        context=context,
        provenance=provenance.model_copy(update={"warnings": warnings}),
    )
