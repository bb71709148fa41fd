"""A recall floor on a slice of the PhysioNet deid gold corpus (skipped where the data is absent).

The full measurement, with precision and speed, is bench/deid_physionet.py.
"""

from __future__ import annotations

from reportgen.deid import Item
from reportgen.deid.scoring import load_physionet, score
from tests.conftest import shared_data

SLICE = 400  # notes: about 2 s


def test_recall_floor_on_gold_slice(deid):
    notes = load_physionet(shared_data("physionet-deid"))[:SLICE]
    results = deid("tag").run([Item(n.id, n.text) for n in notes])
    scores = score(notes, [[(a["start"], a["end"]) for a in r.audit] for r in results])
    print(f"recall {scores.recall:.3f} precision {scores.precision:.3f}")
    assert scores.recall >= 0.95  # measured 0.977 on this slice (0.973 on the whole corpus)
    assert scores.precision >= 0.50  # measured 0.592
