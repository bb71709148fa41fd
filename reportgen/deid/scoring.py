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


@dataclass
class NamedDialogue:
    """An ACI-Bench dialogue and the names its metadata gives (patient first and family name, doctor)."""

    id: str
    text: str
    names: list[str]


def load_aci_dialogues(folder: Path, splits: Sequence[str] = ("train", "valid")) -> list[NamedDialogue]:
    """The dialogues with their metadata names: the check that speakers' names are gone, never a word list."""
    import csv

    out = []
    for split in splits:
        with (folder / f"{split}.csv").open(newline="", encoding="utf-8") as f:
            dialogues = {row["encounter_id"]: row["dialogue"] for row in csv.DictReader(f)}
        with (folder / f"{split}_metadata.csv").open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                cells = (row["patient_firstname"], row["patient_familyname"], row["doctor_name"])
                names = [w for cell in cells for w in _TOKEN.findall(cell) if len(w) > 2 and w.lower() not in ("dr", "doctor")]
                out.append(NamedDialogue(row["encounter_id"], dialogues[row["encounter_id"]], names))
    return out


def names_left(text: str, names: Sequence[str]) -> list[str]:
    """The names still written in `text`, as whole words, in any case. A name that is also an
    everyday word ("Good", "Ward") counts only where it is a name: after a title or next to
    another of the names ("doctor scott good", "mr . ward"), not in "good to see you"."""
    from reportgen.deid.vocab import english_words

    others = [re.escape(n) for n in names] + [r"dr\.?", r"doctor", r"mrs?\s?\.?", r"ms\s?\.?", r"miss"]
    left = []
    for n in names:
        name = re.escape(n)
        if n.lower() in english_words():
            near = "|".join(others)
            pattern = rf"(?<![\w])(?:(?:{near})\s+{name}|{name}\s+(?:{'|'.join(map(re.escape, names))}))(?![\w])"
        else:
            pattern = rf"(?<![\w]){name}(?![\w])"
        if re.search(pattern, text, re.I):
            left.append(n)
    return left
