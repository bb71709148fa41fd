"""`reportgen batch` throughput: notes/s, peak memory and time per stage, 1 and 2 workers.

Builds a folder of N notes (default 1,000) by repeating the 87 ACI-Bench
train+valid dialogues (each copy gets a visit-number line, so every file is
distinct), runs `reportgen batch` on it as a subprocess for each worker count,
samples the resident memory of the whole process tree every 0.2 s, and reads
the per-stage timings back from the manifest.

    .venv/bin/python bench/batch_throughput.py [--notes 1000] [--workers 1 2] [--data ../shared/data/aci-bench]

Memory: "peak tree" is the largest sum over the batch process and its workers
at one sample; "second/last quarter" compare the tree's mean RSS mid-run and at
the end (start-up excluded; flat memory: about equal).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]


def make_notes(data: Path, folder: Path, count: int) -> None:
    csv.field_size_limit(2**31 - 1)
    dialogues = [row["dialogue"] for split in ("train", "valid") for row in csv.DictReader((data / f"{split}.csv").open())]
    folder.mkdir(parents=True)
    for i in range(count):
        (folder / f"visit-{i:05d}.txt").write_text(f"{dialogues[i % len(dialogues)]}\n[doctor] visit number {i} .\n")


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_batch(notes: Path, out: Path, workers: int) -> dict:
    cmd = [sys.executable, "-m", "reportgen", "-q", "batch", str(notes), "-o", str(out), "-j", str(workers), "-f", "md"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    handle, samples = psutil.Process(proc.pid), []
    while proc.poll() is None:
        try:
            samples.append(tree_rss(handle))
        except psutil.Error:
            break
        time.sleep(0.2)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"batch failed ({proc.returncode}): {stderr.strip()}")
    records = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    stages: dict[str, float] = {}
    for record in records:
        for stage, seconds in record["timings"].items():
            stages[stage] = stages.get(stage, 0.0) + seconds
    quarter = max(1, len(samples) // 4)
    return {
        "workers": workers,
        "notes": len(records),
        "wall_s": wall,
        "summary": stdout.strip().splitlines()[0],
        "peak_mib": max(samples) / 2**20,
        "second_quarter_mib": statistics.mean(samples[quarter : 2 * quarter]) / 2**20,
        "last_quarter_mib": statistics.mean(samples[-quarter:]) / 2**20,
        "stages": stages,
        "deid_policy": records[0]["versions"].get("deid_policy"),
        "index": records[0]["versions"].get("index"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared/data/aci-bench")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        notes = Path(tmp) / "notes"
        make_notes(args.data, notes, args.notes)
        print(f"{args.notes} notes from ACI-Bench train+valid dialogues; {psutil.cpu_count()} CPUs")
        for workers in args.workers:
            r = run_batch(notes, Path(tmp) / f"out-{workers}", workers)
            busy = sum(r["stages"].values())
            print(f"\nworkers={workers}: {r['summary']}")
            print(f"  wall (with start-up) {r['wall_s']:.1f} s -> {r['notes'] / r['wall_s']:.1f} notes/s")
            print(f"  memory: peak tree {r['peak_mib']:.0f} MiB; mean second quarter {r['second_quarter_mib']:.0f} MiB, "
                  f"last quarter {r['last_quarter_mib']:.0f} MiB")
            print(f"  de-identification policy: {r['deid_policy']}; index: {r['index']}")
            print("  share of per-note time: " + ", ".join(
                f"{stage} {100 * s / busy:.0f}% ({1000 * s / r['notes']:.1f} ms)" for stage, s in r["stages"].items()))


if __name__ == "__main__":
    main()
