"""The names speakers use in ACI-Bench dialogues are gone after de-identification.

The metadata (patient first and family name, doctor) is only the check here: no word list
is built from it. All 87 train and valid dialogues; skipped where the shared data is absent.
"""

from __future__ import annotations

import pytest

from reportgen.deid import Item
from reportgen.deid.scoring import load_aci_dialogues, names_left
from tests.conftest import shared_data


@pytest.mark.slow  # 87 dialogues of ~7.7k characters: ~10-20 s on a busy 2-core machine
def test_no_metadata_name_is_left_in_any_aci_dialogue(deid):
    dialogues = load_aci_dialogues(shared_data("aci-bench"))
    results = deid("tag").run([Item(d.id, d.text) for d in dialogues])
    left = {d.id: len(names_left(r.text, d.names)) for d, r in zip(dialogues, results)}
    assert sum(left.values()) == 0, {k: v for k, v in left.items() if v}  # counts only: no names in the report


def test_the_check_counts_a_name_that_is_a_word_only_where_it_is_a_name():
    names = ["Scott", "Good"]
    assert names_left("doctor scott good to see you", names) == ["Scott", "Good"]
    assert names_left("doctor <PERSON_1> good to see you", names) == []
    assert names_left("[doctor] hello , mr . ward .", ["Bruce", "Ward"]) == ["Ward"]
