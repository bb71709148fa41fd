"""`reportgen evaluate` on ACI-Bench pairs: ROUGE as rouge-score computes it, sections, codes, PHI check."""

from __future__ import annotations

import json
from dataclasses import replace
from statistics import mean

import pytest
from rouge_score import rouge_scorer

from reportgen import errors
from reportgen.config import load_settings
from reportgen.evaluate import ROUGE_TYPES, Evaluation, PairScore, ProblemScore, leaked, report_text
from reportgen.notes import decode_note
from reportgen.pipeline import Pipeline
from tests.batch.conftest import run
from tests.conftest import shared_data

PAIRS = 3


@pytest.fixture(scope="module")
def pairs_file(tmp_path_factory):
    from reportgen.data import import_file, write_pairs
    from reportgen.layout import load_layout

    imported = import_file("aci-bench", shared_data("aci-bench", "valid.csv"), load_layout("clinical-visit"))
    path = tmp_path_factory.mktemp("eval") / "pairs.jsonl"
    write_pairs(path, imported.pairs[:PAIRS])
    return path, imported.pairs[:PAIRS]


def test_rouge_equals_rouge_score_computed_directly(pairs_file, tmp_path, monkeypatch):
    # Reports are generated twice below; tags are deterministic, surrogates are fresh per run.
    monkeypatch.setenv("REPORTGEN_DEID_OPERATOR", "tag")
    path, pairs = pairs_file
    out = tmp_path / "eval"
    result = run("evaluate", "--data", str(path), "-o", str(out))
    assert result.exit_code == 0, result.output

    records = [json.loads(line) for line in (out / "evaluation.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == [p.id for p in pairs]
    pipeline = Pipeline.from_settings(load_settings())
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=False)
    direct = []
    for pair, record in zip(pairs, records):
        output = report_text(pipeline.run(decode_note(pair.note.encode(), pair.id, pipeline.settings.notes)).report)
        scores = {name: s.fmeasure for name, s in scorer.score(pair.report, output).items()}
        assert record["rouge"] == pytest.approx(scores, abs=1e-12)
        direct.append(scores["rouge1"])
    summary = (out / "summary.md").read_text()
    assert f"| rouge1 | {mean(direct):.4f} |" in summary
    assert f"{mean(direct):.4f}" in result.stdout  # the terminal table
    assert (out / "sections.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_records_hold_scores_not_text(pairs_file, tmp_path):
    path, pairs = pairs_file
    assert run("evaluate", "--data", str(path), "-o", str(tmp_path)).exit_code == 0
    text = (tmp_path / "evaluation.jsonl").read_text()
    for pair in pairs:
        assert pair.patient and pair.patient["name"] not in text
        first_line = pair.note.splitlines()[0]
        assert first_line not in text
    record = json.loads(text.splitlines()[0])
    assert 0 < record["section_coverage"] <= 1
    assert record["reference_sections"] and set(record["section_rouge1"]) == set(record["reference_sections"])
    assert record["phi_check"] in ("passed", "leaked")


def test_leak_check_matches_whole_identifiers_any_case():
    output = "Annual exam. Martha reports knee pain; seen by DR. SMITH."
    assert leaked(["martha", "Smith", "Ann", "x"], output) == 2
    assert leaked([], output) == 0


def _score(pair_id: str, reference: list[str], output: list[str]) -> PairScore:
    return PairScore(
        id=pair_id, rouge=dict.fromkeys(("rouge1", "rouge2", "rougeL", "rougeLsum"), 0.5),
        reference_sections=["hpi"], output_sections=["hpi"], section_coverage=1.0, section_rouge1={"hpi": 0.5},
        reference_codes=reference, output_codes=output, phi_check="passed", phi_identifiers=1, phi_leaked=0,
        generator="extractive", deid_policy="surrogate", seconds=0.1,
    )


def test_code_agreement_is_micro_precision_and_recall():
    evaluation = Evaluation([_score("a", ["I10", "E11.9"], ["I10"]), _score("b", ["J45.909"], ["J45.909", "R05.9"])], None)
    summary = evaluation.summary()
    assert summary["code_precision"] == pytest.approx(2 / 3)
    assert summary["code_recall"] == pytest.approx(2 / 3)
    no_codes = Evaluation([_score("c", [], [])], None).summary()
    assert no_codes["code_precision"] is None and no_codes["code_recall"] is None


def test_intervals_cover_the_summary_figures_they_are_keyed_by():
    def scored(pair_id: str, markdown: float, divisions: dict[str, float], problems: ProblemScore | None) -> PairScore:
        return replace(_score(pair_id, [], []), markdown_rouge=dict.fromkeys(ROUGE_TYPES, markdown), division_rouge1=divisions, problems=problems)

    evaluation = Evaluation([
        scored("a", 0.40, {"subjective": 0.3, "objective_results": 0.5}, ProblemScore(4, 3, 0, 4, 3, 2)),
        scored("b", 0.50, {"subjective": 0.4}, ProblemScore(3, 1, 1, 2, 1, 1)),
        scored("c", 0.60, {"subjective": 0.5}, None),
    ], None)
    summary, intervals = evaluation.summary(), evaluation.intervals()
    assert set(intervals) == {"markdown_rouge1", "division_rouge1_subjective", "division_rouge1_objective_results",
                              "problem_precision", "problem_recall"}
    for key, (low, high) in intervals.items():
        assert low <= summary[key] <= high, key
    assert intervals["division_rouge1_objective_results"] == pytest.approx((0.5, 0.5))  # the one encounter that has it
    no_labels = Evaluation([scored("c", 0.6, {}, None)], None).intervals()
    assert set(no_labels) == {"markdown_rouge1"}


def test_bad_pairs_file_is_an_input_error(tmp_path):
    bad = tmp_path / "pairs.jsonl"
    bad.write_text('{"id": "x", "note": "a note"}\n')
    result = run("evaluate", "--data", str(bad))
    assert result.exit_code == errors.INPUT and "line 1" in result.output


def test_restore_phi_skips_the_leak_check(pairs_file, tmp_path):
    path, _ = pairs_file
    result = run("evaluate", "--data", str(path), "--limit", "1", "--restore-phi", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "evaluation.jsonl").read_text())
    assert record["phi_check"] == "skipped (--restore-phi)"
