"""Start-up cost of the CLI, beside its baseline, in one run.

    PYTHONPATH=$PWD .venv/bin/python bench/startup.py [--runs 5] [--checkout DIR]

Times, as separate processes, interleaved so that a busy machine slows all of them alike:
- baseline: `python -c "import click, pydantic"` (the least a Click + pydantic CLI loads);
- `reportgen --help`;
- `reportgen terms search "chest pain"` (the index built beforehand, in a temporary data dir, with term
  vectors unless terms.dense is off): its best lexical hit names both words, so the dense side stays closed;
- `reportgen terms search "ringing in the ears"`: a lay phrase, for which the dense side opens;
- `reportgen generate` of one ACI-Bench dialogue (train D2N001; Markdown to stdout), and for it
  where the time goes: imports, loading the pipeline (spaCy, Presidio, the index), the run.

Prints medians of wall time and of CPU time (user + system; less sensitive to other load) and
each command's ratio to the baseline (`REPORTGEN_TERMS_DENSE=false` in the environment: BM25 alone; the
index build is not timed). `--checkout DIR` times the reportgen source in DIR instead
(e.g. a git worktree of an older commit), for before/after figures.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DIALOGUE = REPO.parent / "shared" / "data" / "aci-bench" / "train.csv"

# Where the time of one `generate` goes, measured inside one process.
_PHASES = """
import sys, time
t0 = time.perf_counter()
import reportgen.cli
t1 = time.perf_counter()
from reportgen.pipeline import Pipeline
from reportgen.render import render
t2 = time.perf_counter()
from reportgen.config import load_settings
from reportgen.notes import read_note
settings = load_settings(overrides={"deid.operator": "tag"})
pipeline = Pipeline.from_settings(settings)
t3 = time.perf_counter()
result = pipeline.run(read_note(sys.argv[1], settings.notes))
render(result.report, "md")
t4 = time.perf_counter()
stages = ", ".join(f"{k} {v:.2f}" for k, v in result.timings.items())
print(f"import reportgen.cli {t1 - t0:.2f} s | import pipeline (spaCy, Presidio, ...) {t2 - t1:.2f} s | "
      f"load pipeline {t3 - t2:.2f} s | run + render {t4 - t3:.2f} s ({stages})")
"""


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) for one run; fails loudly if the command fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--checkout", type=Path, default=REPO, help="reportgen source tree to time (default: this one)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="reportgen-startup-") as folder:  # its index: 85 MB with term vectors
        work = Path(folder)
        env = {**os.environ, "PYTHONPATH": str(args.checkout.resolve()), "REPORTGEN_DATA_DIR": str(work / "data"),
               "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1"}
        env.pop("REPORTGEN_CONFIG", None)
        note = work / "D2N001.txt"
        with DIALOGUE.open(newline="", encoding="utf-8") as f:
            note.write_text(next(r for r in csv.DictReader(f) if r["encounter_id"] == "D2N001")["dialogue"], encoding="utf-8")
        reportgen = [sys.executable, "-m", "reportgen"]
        # Run from the temporary folder: `python -m` would import reportgen from the current folder first.
        subprocess.run([*reportgen, "terms", "index"], env=env, cwd=work, check=True, capture_output=True)  # built once, not timed

        commands = {
            'python -c "import click, pydantic"': [sys.executable, "-c", "import click, pydantic"],
            "reportgen --help": [*reportgen, "--help"],
            'reportgen terms search "chest pain"': [*reportgen, "terms", "search", "chest pain"],
            'reportgen terms search "ringing in the ears"': [*reportgen, "terms", "search", "ringing in the ears"],
            "reportgen generate (ACI-Bench D2N001)": [*reportgen, "generate", str(note), "--operator", "tag"],
        }
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                samples[name].append(timed(argv, env, work))

        where = subprocess.run([sys.executable, "-c", "import reportgen; print(reportgen.__file__)"], env=env, cwd=work,
                               capture_output=True, text=True, check=True).stdout.strip()
        print(f"reportgen source: {Path(where).parent.parent}; {args.runs} runs each, interleaved; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; terms.dense {env.get('REPORTGEN_TERMS_DENSE', 'default')}")
        base_wall = statistics.median(w for w, _ in samples[next(iter(commands))])
        base_cpu = statistics.median(c for _, c in samples[next(iter(commands))])
        print(f"{'command':46} {'wall s':>8} {'x base':>7} {'CPU s':>7} {'x base':>7}")
        for name, runs in samples.items():
            wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
            print(f"{name:46} {wall:8.2f} {wall / base_wall:7.1f} {cpu:7.2f} {cpu / base_cpu:7.1f}")
        phases = subprocess.run([sys.executable, "-c", _PHASES, str(note)], env=env, cwd=work, capture_output=True, text=True, check=True)
        print("generate, where the time goes (one run):", phases.stdout.strip())


if __name__ == "__main__":
    main()
