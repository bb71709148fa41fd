"""The problem scorer's cross-validation: partitions of the encounters and how much figures move between them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from reportgen.config import load_settings
from reportgen.errors import INPUT
from reportgen.evaluate import same_problem
from reportgen.generation.problems import Candidate
from reportgen.layout import load_layout
from reportgen.report import Code, Problem
from reportgen.terminology.index import open_terminology
from reportgen.training.problems import FOLDS, MOST, THRESHOLDS, by_number, cross_validated, main, reference_problems, shuffled, spread_report


def test_shuffled_partitions_are_fixed_by_their_seed_and_differ_from_the_numbered_one():
    ids = [f"D2N{n:03d}" for n in range(1, 67)]
    first, again, other = ([shuffled(seed)(i) for i in ids] for seed in (1, 1, 2))
    assert first == again and first != other
    assert {by_number(i) for i in ids} == set(first) == set(range(FOLDS))
    assert first != [by_number(i) for i in ids]


def test_spread_report_gives_the_mean_and_range_at_the_chosen_pair():
    def table(f1: float) -> dict[tuple[float, int], dict[str, float]]:
        return {(0.5, 3): {"precision": 0.8, "recall": 0.7, "f1": f1, "first_code_right": 0.75}, (0.4, 3): {"f1": 0.0}}

    line = spread_report(table(0.70), [table(0.74), table(0.72)], (0.5, 3))
    assert "'f1': 0.72" in line and "from 0.7 to 0.74" in line and "standard deviation 0.016" in line


def _encounter(n: int) -> tuple:
    """One encounter with a problem (feature `said`) and a candidate that is none."""
    problem = Problem(text="hypertension", codes=[Code(system="icd10cm", code="I10", title="Essential hypertension", source="t")])
    other = Problem(text="knee pain", codes=[Code(system="icd10cm", code="M25.561", title="Pain in right knee", source="t")])
    gold = {"problems": [{"text": "Hypertension", "aliases": [], "codes": ["I10"]}], "also_acceptable": []}
    candidates = [Candidate(problem, False, {"said": 1.0}), Candidate(other, False, {"said": 0.0})]
    return SimpleNamespace(id=f"D2N{n:03d}"), candidates, gold


def test_cross_validation_scores_every_pair_on_held_out_folds():
    table = cross_validated([_encounter(n) for n in range(1, 13)], by_number)
    assert set(table) == {(t, most) for t in THRESHOLDS for most in MOST}
    assert table[0.5, 3] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "first_code_right": 1.0}


def test_reference_labels_name_the_problem_without_its_qualifiers_and_parts_that_only_qualify():
    settings = load_settings()
    layout = load_layout(settings.generate.layout, settings.generate.templates_dir)
    reference = ("ASSESSMENT AND PLAN\n\n1. Newly diagnosed diabetes.\n2. Kidney stone, right side.\n"
                 "3. Chest pain and hypertension.\n")
    labels = {p["text"]: p for p in reference_problems(reference, layout, open_terminology(settings, dense=False))["problems"]}
    diabetes, stone, both = (labels[t] for t in ("Newly diagnosed diabetes", "Kidney stone, right side", "Chest pain and hypertension"))
    assert diabetes["aliases"] == ["diabetes"] and diabetes["codes"] == ["E11"]
    assert stone["aliases"] == ["Kidney stone"]  # not "right side": every right-sided problem would match it
    assert both["codes"] == ["R07", "I10"]  # no code for the whole line: each part's
    said = Problem(text="diabetes", codes=[Code(system="icd10cm", code="E11.9", title="Type 2 diabetes mellitus", source="t")])
    assert same_problem(said, diabetes)
    assert not same_problem(Problem(text="right knee pain", codes=[]), stone)


def test_a_missing_data_file_is_one_line_and_its_exit_code(tmp_path, capsys):

    with pytest.raises(SystemExit) as stop:
        main(["--data", str(tmp_path / "train.csv"), "-o", str(tmp_path / "problems.json")])
    assert stop.value.code == INPUT
    err = capsys.readouterr().err
    assert err.startswith("Error: cannot read") and err.count("\n") == 1 and not (tmp_path / "problems.json").exists()
