"""Scoring de-identification against a gold corpus (the PhysioNet deid format).

Token recall = gold PHI tokens touched by any detection; token precision =
detected tokens that lie inside gold PHI. Tokens are runs of letters/digits.
Used by `bench/deid_physionet.py` and the recall-floor test.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

_RECORD = re.compile(r"START_OF_RECORD=(\d+)\|\|\|\|(\d+)\|\|\|\|\n(.*?)\|\|\|\|END_OF_RECORD", re.S)
_TOKEN = re.compile(r"[A-Za-z0-9]+")


@dataclass
class GoldNote:
    id: str
    text: str
    phi: list[tuple[int, int, str]] = field(default_factory=list)  # start, end, type


def load_physionet(folder: Path) -> list[GoldNote]:
    notes = {
        (m[1], m[2]): GoldNote(f"{m[1]}-{m[2]}", m[3]) for m in _RECORD.finditer((folder / "id.text").read_text())
    }
    for line in (folder / "id-phi.phrase").read_text().splitlines():
        patient, note, start, end, kind = line.split(" ", 5)[:5]
        notes[(patient, note)].phi.append((int(start), int(end), kind))
    return list(notes.values())


# Patients are split, not notes: a patient's notes repeat the same names and places.
SPLIT_SEED = 20261130
SPLIT_SHARES = (0.4, 0.2, 0.4)  # train, dev, test


def split_patients(patients: Sequence[str], seed: int = SPLIT_SEED) -> dict[str, list[str]]:
    """A seeded train/dev/test split of patient ids (the stored bench/physionet_split.json is this)."""
    order = sorted(set(patients), key=int)
    random.Random(seed).shuffle(order)
    a = round(len(order) * SPLIT_SHARES[0])
    b = round(len(order) * (SPLIT_SHARES[0] + SPLIT_SHARES[1]))
    return {name: sorted(part, key=int) for name, part in (("train", order[:a]), ("dev", order[a:b]), ("test", order[b:]))}


def patient_of(note: GoldNote) -> str:
    return note.id.split("-")[0]


def select(notes: Sequence[GoldNote], split_file: Path, split: str) -> list[GoldNote]:
    """The notes of one split ("train", "dev", "test") or of all patients ("all")."""
    if split == "all":
        return list(notes)
    patients = set(json.loads(split_file.read_text())[split])
    return [n for n in notes if patient_of(n) in patients]


@dataclass
class Scores:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    spans_found: int = 0
    spans: int = 0
    by_type: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def recall(self) -> float:
        return self.tp / max(1, self.tp + self.fn)

    @property
    def precision(self) -> float:
        return self.tp / max(1, self.tp + self.fp)

    @property
    def span_recall(self) -> float:
        return self.spans_found / max(1, self.spans)


def score(notes: Sequence[GoldNote], detected: Sequence[Sequence[tuple[int, int]]]) -> Scores:
    s = Scores()
    for note, found in zip(notes, detected, strict=True):
        hit = [False] * len(note.text)
        for start, end in found:
            hit[start:end] = [True] * (end - start)
        gold = [False] * len(note.text)
        for start, end, kind in note.phi:
            gold[start:end] = [True] * (end - start)
            s.spans += 1
            s.spans_found += any(hit[start:end])
            for t in _TOKEN.finditer(note.text, start, end):
                ok = any(hit[t.start() : t.end()])
                s.by_type[kind]["tp" if ok else "fn"] += 1
                s.tp += ok
                s.fn += not ok
        for t in _TOKEN.finditer(note.text):
            if any(hit[t.start() : t.end()]) and not any(gold[t.start() : t.end()]):
                s.fp += 1
    return s
