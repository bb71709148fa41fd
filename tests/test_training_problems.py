"""The problem scorer's cross-validation: partitions of the encounters and how much figures move between them."""

from __future__ import annotations

from types import SimpleNamespace

from reportgen.generation.problems import Candidate
from reportgen.report import Code, Problem
from reportgen.training.problems import FOLDS, MOST, THRESHOLDS, by_number, cross_validated, shuffled, spread_report


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
