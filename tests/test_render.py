from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.config import load_settings
from reportgen.errors import InputError
from reportgen.layout import load_layout
from reportgen.notes import decode_note
from reportgen.pipeline import Pipeline
from reportgen.render import format_for, render

HOSTILE = "CHIEF COMPLAINT\n<script>alert('x')</script> & chest pain\n"


@pytest.fixture
def report():
    settings = load_settings(env={})
    note = decode_note(HOSTILE.encode(), "hostile", settings.notes)
    return Pipeline.from_settings(settings).run(note).report


def test_html_is_autoescaped(report):
    html = render(report, "html")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; chest pain" in html
    assert html.lstrip().startswith("<!doctype html>")


def test_user_html_template_is_autoescaped_and_sandboxed(tmp_path, report):
    template = tmp_path / "mine.html.j2"
    template.write_text("{% for s in report.sections %}<p>{{ s.text }}</p>{% endfor %}")
    assert "&lt;script&gt;" in render(report, "html", template)


def test_markdown_template_from_user_templates_dir(tmp_path, report):
    (tmp_path / "report.md.j2").write_text("custom {{ report.sections | length }}\n")
    assert render(report, "md", user_templates=tmp_path).startswith("custom ")


def test_json_is_the_report_model(report):
    assert type(report).model_validate_json(render(report, "json")) == report


def test_missing_template(tmp_path, report):
    with pytest.raises(InputError, match="does not exist"):
        render(report, "md", tmp_path / "nope.j2")


@pytest.mark.parametrize(
    ("output", "requested", "expected"),
    [(None, None, "md"), (Path("r.html"), None, "html"), (Path("r.JSON"), None, "json"), (Path("r.html"), "md", "md")],
)
def test_format_choice(output, requested, expected):
    assert format_for(output, requested) == expected


def test_every_shipped_layout_loads():
    layout = load_layout("clinical-visit")
    assert {"chief_complaint", "hpi", "physical_exam", "assessment", "plan"} <= {s.id for s in layout.sections}


def test_markdown_keeps_the_lines_of_a_section(report):
    """A header block's lines ("MRN: ...", "DOB: ...") stay lines: a single newline would join them into one paragraph."""
    section = report.sections[0].model_copy(update={"text": "MRN: 123\nDOB: 01/02/1960"})
    markdown = render(report.model_copy(update={"sections": [section]}), "md")
    assert "MRN: 123  \nDOB: 01/02/1960" in markdown


def test_markdown_footer_is_short_and_keeps_the_safety_notices(report):
    """Audit details (policy, terminology versions) live in the JSON and HTML provenance; the Markdown keeps what the
    reader needs: whose identifiers these are, how the text was made, and the warnings."""
    markdown = render(report, "md")
    assert report.provenance.identifiers_notice in markdown and "Extractive report" in markdown
    assert "Terminology:" not in markdown
    assert "Terminology:" in render(report, "html") and report.provenance.terminology_index in render(report, "json")
