"""The demo (`make demo`: the annual-exam sample) read as a clinician would: the flaws found in it
are fixed by general rules, each checked here on the sample and on other text."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.config import load_settings
from reportgen.generation.extract import medications
from reportgen.generation.problems import code
from reportgen.layout import load_layout
from reportgen.report import Report
from reportgen.terminology.index import open_terminology
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Report:
    out = tmp_path_factory.mktemp("demo") / "annual-exam.json"
    result = CliRunner().invoke(cli, ["generate", str(SAMPLES / "annual-exam.txt"), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return Report.model_validate_json(out.read_text())


def test_the_demo_problem_list_holds_the_problems_and_no_test(report):
    active = {p.text.lower(): p for p in report.problems if p.status == "active"}
    assert {"congestive heart failure", "depression"} <= set(active)
    assert any(p.codes and p.codes[0].code == "I10" for p in active.values())  # hypertension, active
    assert not any(p.status == "history" and p.codes and p.codes[0].code == "I10" for p in report.problems)
    assert not any("mammogram" in p.text.lower() for p in report.problems)
    assert not any(c.code.startswith("R92") for p in report.problems for c in p.codes)


def test_a_test_alone_is_not_coded_as_its_abnormal_result():
    terminology = open_terminology(load_settings(), dense=False)  # as the pipeline opens it
    assert not any(c.code.startswith("R92") for c in code("mammogram", terminology))
    assert code("inconclusive mammogram", terminology)[0].code == "R92.2"
    assert code("abnormal ekg", terminology)[0].code == "R94.31"
    assert code("hyperglycemia", terminology)[0].code.startswith("R73")  # a finding named on its own


def test_the_demo_medications_include_the_increased_dose(report):
    doses = {(m.name.lower(), m.dose) for m in report.medications}
    assert {("lisinopril", "40 milligrams"), ("lasix", "20 milligrams")} <= doses


@pytest.mark.parametrize(("text", "expected"), [
    ("We will increase her lisinopril to 40 mg daily.", ("lisinopril", "40 mg", "daily")),
    ("Continue metformin at 500 milligrams twice a day.", ("metformin", "500 milligrams", "twice a day")),
    ("Start lasix, 20 milligrams a day.", ("lasix", "20 milligrams", "a day")),
])
def test_a_dose_after_to_or_at_belongs_to_the_drug(text, expected):
    [med] = medications(text)
    assert (med.name.lower(), med.dose, med.frequency) == expected


def test_words_before_to_that_are_not_drugs_are_not_medications():
    assert medications("We will bring it back to 20 mg and go up to 40 mg if needed.") == []


def test_results_hold_tests_not_a_remark_on_todays_blood_pressure(report):
    results = report.section("results")
    assert results is None or "blood pressure" not in results.text.lower()
    remark = [s.id for s in report.sections if "blood pressure today" in s.text]
    assert remark in ([], ["vitals"])  # where the tagger keeps the remark, it is a vital sign


def test_a_section_that_needs_a_cue_takes_only_sentences_naming_one():
    layout = load_layout("clinical-visit")
    ranked = ["results", "hpi", "vitals"]
    assert layout.sortable(ranked, "Looking at your blood pressure today, it is a little elevated.") == "vitals"
    assert layout.sortable(ranked, "Your x-ray shows a fracture.") == "results"
    assert layout.sortable(ranked, "Looking at it today, it is a little better.") == "hpi"
    assert layout.sortable(["hpi", "results"], "Looking at your blood pressure today.") == "hpi"
