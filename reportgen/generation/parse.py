"""Parse a draft (layout section format) into the report model.

Tolerant by design: a model may write garbage, skip sections or stop mid-way;
whatever sections can be recovered are kept, required ones that are missing
are marked not documented, and a warning says what happened. Text with no
section header above it (a whole draft written as prose, or a preamble) is
never dropped: it goes to the layout's fallback section, as `Layout.section_texts`
does for reference reports, with a warning.
"""

from __future__ import annotations

from reportgen.generation import extract
from reportgen.layout import Layout
from reportgen.report import EMPTY_REPORT, Code, Provenance, Report, Section

HEADERLESS = "the draft had no recognisable section headers"  # evaluate counts reports with this warning


def parse_draft(text: str, layout: Layout, provenance: Provenance, context: list[Code]) -> Report:
    parts = layout.split(text)
    headed = any(section_id is not None for section_id, _ in parts)
    merged = layout.section_texts(text)
    warnings = list(provenance.warnings)
    fallback = next(spec.title for spec in layout.sections if spec.id == layout.fallback)
    if not merged:
        warnings.append("the draft was empty")
    elif not headed:
        warnings.append(f"{HEADERLESS}; its whole text was kept under {fallback}")
    elif parts[0][0] is None:
        warnings.append(f"text before the first section header was kept under {fallback}")
    missing = [spec.title for spec in layout.sections if spec.required and spec.id not in merged]
    if missing and headed:
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
