"""`reportgen batch` throughput: notes/s, peak memory and time per stage, 1 and 2 workers.

Builds a folder of N notes (default 1,000) by repeating the 87 ACI-Bench
train+valid dialogues (each copy gets a visit-number line, so every file is
distinct), runs `reportgen batch` on it as a subprocess for each worker count,
samples the resident memory of the whole process tree and the manifest's line
count every 0.2 s, and reads the per-stage timings back from the manifest.

    .venv/bin/python bench/batch_throughput.py [--notes 1000] [--workers 1 2] [--data ../shared/data/aci-bench]
    .venv/bin/python bench/batch_throughput.py --engine ray --workers 2   # Ray actors beside the local pool

With `--engine ray` every worker count runs twice on the same notes: the local
pool (the baseline) and a local Ray instance with that many actors.

Memory: "peak tree" is the largest sum over the batch process and its workers
(and, for Ray, the Ray processes it started) at one sample; "second/last quarter"
compare the tree's mean RSS mid-run and at the end (start-up excluded; flat
memory: about equal). Overhead: "start-up" is the time to the first finished
note (loading the pipelines, and Ray itself); "steady" is the rate between the
10th and the 90th percent of notes; "busy" is the share of the workers' time
spent inside the pipeline's stages during the whole run (the rest is start-up,
scheduling, moving results, idle). CPU: the core-seconds the process tree used
(sampled every 0.2 s, so a process's last 0.2 s can be missed), which another
machine's load changes far less than wall time; over the whole run and over the
steady part (what a long run per core settles to). "Per busy core" compares the
engines by CPU per note: the throughput ratio an idle, CPU-bound machine gives. The machine's load average is
printed with each run: on a shared machine, compare runs made under similar load.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
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


def sample_tree(proc: psutil.Process, cpu: dict[int, float]) -> int:
    """The tree's resident memory now; records each process's CPU seconds so far in cpu (by pid)."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            with p.oneshot():
                total += p.memory_info().rss
                times = p.cpu_times()
                cpu[p.pid] = times.user + times.system
        except psutil.Error:
            pass
    return total


def lines_in(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except OSError:
        return 0


def run_batch(notes: Path, out: Path, workers: int, engine: str) -> dict:
    cmd = [sys.executable, "-m", "reportgen", "-q", "batch", str(notes), "-o", str(out), "-f", "md"]
    cmd += ["-j", str(workers)] if engine == "local" else ["--engine", "ray", "--actors", str(workers)]
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    handle, samples, progress, cpu = psutil.Process(proc.pid), [], [], {}
    while proc.poll() is None:
        try:
            samples.append(sample_tree(handle, cpu))
        except psutil.Error:
            break
        progress.append((time.perf_counter() - start, lines_in(out / "manifest.jsonl"), sum(cpu.values())))
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
        "engine": engine,
        "load": (load_before, os.getloadavg()[0]),
        "startup_s": next((t for t, n, _ in progress if n > 0), wall),
        "steady_rate": steady(progress, len(records))[0],
        "steady_cpu": steady(progress, len(records))[1],
        "workers": workers,
        "cpu_s": sum(cpu.values()),
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


def steady(progress: list[tuple[float, int, float]], total: int) -> tuple[float, float]:
    """Notes/s and CPU-seconds per note between the samples where 10% and 90% of the notes were
    done: what a long run settles to, without start-up."""
    first = next((p for p in progress if p[1] >= 0.1 * total), None)
    last = next((p for p in progress if p[1] >= 0.9 * total), None)
    if not first or not last or last[0] <= first[0] or last[1] <= first[1]:
        return 0.0, 0.0
    notes = last[1] - first[1]
    return notes / (last[0] - first[0]), (last[2] - first[2]) / notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--engine", choices=["local", "ray"], default="local",
                        help="ray: run Ray actors beside the local pool (the baseline) at each worker count")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared/data/aci-bench")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        notes = Path(tmp) / "notes"
        make_notes(args.data, notes, args.notes)
        print(f"{args.notes} notes from ACI-Bench train+valid dialogues; {psutil.cpu_count()} CPUs")
        # Build the terminology index now if absent, so that no timed run pays for it.
        subprocess.run([sys.executable, "-m", "reportgen", "-q", "terms", "search", "cough"], cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL)
        engines = ["local", "ray"] if args.engine == "ray" else ["local"]
        for workers in args.workers:
            results = {}
            for engine in engines:
                r = results[engine] = run_batch(notes, Path(tmp) / f"out-{engine}-{workers}", workers, engine)
                busy = sum(r["stages"].values())
                print(f"\n{engine} engine, workers={workers}: {r['summary']}")
                print(f"  load average {r['load'][0]:.1f} before, {r['load'][1]:.1f} after")
                print(f"  wall (with start-up) {r['wall_s']:.1f} s -> {r['notes'] / r['wall_s']:.2f} notes/s; "
                      f"start-up {r['startup_s']:.1f} s; steady {r['steady_rate']:.2f} notes/s; "
                      f"busy {100 * busy / (workers * r['wall_s']):.0f}%")
                print(f"  CPU: {r['cpu_s']:.0f} core-seconds in all (start-up included), "
                      f"{1000 * r['cpu_s'] / r['notes']:.0f} ms per note -> {r['notes'] / r['cpu_s']:.2f} notes/s per busy core; "
                      f"steady (10% to 90% of notes, no start-up) {1000 * r['steady_cpu']:.0f} ms per note")
                print(f"  memory: peak tree {r['peak_mib']:.0f} MiB; mean second quarter {r['second_quarter_mib']:.0f} MiB, "
                      f"last quarter {r['last_quarter_mib']:.0f} MiB")
                print(f"  de-identification policy: {r['deid_policy']}; index: {r['index']}")
                print("  share of per-note time: " + ", ".join(
                    f"{stage} {100 * s / busy:.0f}% ({1000 * s / r['notes']:.1f} ms)" for stage, s in r["stages"].items()))
            if "ray" in results:
                local, ray = results["local"], results["ray"]
                print(f"\nray / local at {workers} workers: wall throughput "
                      f"{local['wall_s'] / ray['wall_s']:.2f}x, steady {ray['steady_rate'] / max(local['steady_rate'], 1e-9):.2f}x; "
                      f"start-up {ray['startup_s'] - local['startup_s']:+.1f} s; per busy core (CPU per note, local / ray) "
                      f"{local['cpu_s'] / ray['cpu_s']:.2f}x whole run, "
                      f"{local['steady_cpu'] / max(ray['steady_cpu'], 1e-9):.2f}x steady")


if __name__ == "__main__":
    main()
