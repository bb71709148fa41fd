"""Model-free pipeline on the 87 ACI-Bench train+valid dialogues: speed and ROUGE.

Prints notes/s of the whole pipeline (de-identification, retrieval, extractive
generation, parsing, coding) and ROUGE-1/2/L F1 of each report's sections
against the clinician's note, computed as ACI-Bench does (reportgen.evaluate.rouge:
rouge-score, no stemmer, mean over encounters), beside copy-the-transcript.

    .venv/bin/python bench/generate_extractive.py [--data ../shared/data/aci-bench]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from pathlib import Path

from reportgen.config import load_settings
from reportgen.evaluate import report_text, rouge
from reportgen.notes import decode_note
from reportgen.pipeline import Pipeline

METRICS = ("rouge1", "rouge2", "rougeL")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/aci-bench")
    args = parser.parse_args()
    rows = [row for split in ("train", "valid") for row in csv.DictReader((args.data / f"{split}.csv").open())]

    settings = load_settings()
    start = time.perf_counter()
    pipeline = Pipeline.from_settings(settings)
    load_s = time.perf_counter() - start

    ours: dict[str, list[float]] = {m: [] for m in METRICS}
    copy: dict[str, list[float]] = {m: [] for m in METRICS}
    stage_totals: dict[str, float] = {}
    pipeline_s = 0.0
    for row in rows:
        note = decode_note(row["dialogue"].encode(), row["encounter_id"], settings.notes)
        start = time.perf_counter()
        result = pipeline.run(note)
        pipeline_s += time.perf_counter() - start
        for stage, seconds in result.timings.items():
            stage_totals[stage] = stage_totals.get(stage, 0.0) + seconds
        for scores, candidate in ((ours, report_text(result.report)), (copy, row["dialogue"])):
            values = rouge(row["note"], candidate)
            for metric in METRICS:
                scores[metric].append(values[metric])

    print(f"notes: {len(rows)}  load: {load_s:.1f} s  pipeline: {pipeline_s:.2f} s  -> {len(rows) / pipeline_s:.1f} notes/s")
    print("time per stage: " + ", ".join(f"{k} {1000 * v / len(rows):.1f} ms" for k, v in stage_totals.items()))
    print(f"{'':24}" + "".join(f"{m:>9}" for m in METRICS))
    for name, scores in (("reportgen extractive", ours), ("copy the transcript", copy)):
        print(f"{name:24}" + "".join(f"{100 * statistics.mean(scores[m]):9.1f}" for m in METRICS))


if __name__ == "__main__":
    main()
