"""Fine-tuning and generation speed of the tiny offline model on CPU (1 thread).

Builds 200 pairs (the 87 ACI-Bench train+valid encounters, then MTS-Dialog
training pairs), a tiny byte-level BPE tokenizer trained on them and a 2-layer
Llama (hidden 64), then runs `reportgen.training.run.train` for one epoch in a
fresh subprocess per configuration (so peak RSS is that configuration's own):

    lora            LoRA r=8, padded batches of 4
    lora+packing    TRL packing (bfd) into max_length blocks
    lora+padfree    TRL padding-free batches
    full            full fine-tuning, padded batches of 4

and reports trained tokens/s (TRL's num_tokens over train_runtime; padding is
not counted), wall time and peak RSS. Then the LoRA run generates reports for
8 notes, one at a time and batched (generate_many, batch 4), greedy, with
max_new_tokens 256 (the tiny model always writes to the limit).

    .venv/bin/python bench/train_tiny.py [--pairs 200] [--max-length 2048] [--data ../shared/data]

Figures from this 2-core box are for comparing configurations with each
other; a real 0.5-3B model on a GPU is a different regime (training/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TOKENIZERS_PARALLELISM="false", OMP_NUM_THREADS="1")

CONFIGS = {
    "lora": {"method": "lora"},
    "lora+packing": {"method": "lora", "packing": True},
    "lora+padfree": {"method": "lora", "padding_free": True},
    "full": {"method": "full", "learning_rate": 1e-3},
}


def build(work: Path, data: Path, n_pairs: int) -> None:
    from reportgen.data import import_file, write_pairs
    from reportgen.generation.prompt import build_messages
    from reportgen.layout import load_layout
    from tests.training.tiny_model import build_tiny_model

    layout = load_layout("clinical-visit")
    pairs = []
    for path in (data / "aci-bench/train.csv", data / "aci-bench/valid.csv", data / "mts-dialog/MTS-Dialog-TrainingSet.csv"):
        pairs += import_file("mts-dialog" if "mts" in path.name.lower() else "aci-bench", path, layout).pairs
    pairs = pairs[:n_pairs]
    write_pairs(work / "pairs.jsonl", pairs)
    system = build_messages("", [], layout)[0]["content"]
    build_tiny_model(work / "base", [system, *(p.note + "\n" + p.report for p in pairs)], vocab_size=1000)


def run_one(work: Path, name: str, max_length: int) -> dict[str, float]:
    import torch

    torch.set_num_threads(1)
    from reportgen.config import load_settings
    from reportgen.training.recipe import Recipe
    from reportgen.training.run import train

    recipe = Recipe.model_validate(
        {
            "name": name,
            "max_length": max_length,
            "epochs": 1,
            "batch_size": 4,
            "gradient_accumulation_steps": 1,
            "learning_rate": 1e-2,
            "warmup_steps": 0,
            "eval_fraction": 0.05,
            "eval_steps": 1000,
            "logging_steps": 10,
            "early_stopping_patience": 0,
            "lora": {"r": 8, "alpha": 16, "dropout": 0.0},
            **CONFIGS[name],
        }
    )
    settings = load_settings(overrides={"data_dir": work / "data"}, env={})
    start = time.perf_counter()
    result = train(work / "pairs.jsonl", str(work / "base"), work / "runs" / name, recipe, settings, progress=False, say=lambda _: None)
    wall = time.perf_counter() - start
    tokens = max(entry.get("num_tokens", 0) for entry in result.log_history)
    runtime = result.card.metrics["train_runtime"]
    return {
        "examples": result.card.data.train,
        "steps": result.global_step,
        "tokens": tokens,
        "train_s": runtime,
        "tokens_per_s": tokens / runtime,
        "wall_s": wall,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "train_loss": result.card.metrics["train_loss"],
        "eval_loss": result.card.metrics.get("eval_loss", float("nan")),
        "truncated": result.card.data.truncated,
        "skipped": result.card.data.skipped,
    }


def generation(work: Path) -> dict[str, float]:
    import torch

    torch.set_num_threads(1)
    from reportgen.data import read_pairs
    from reportgen.generation.model import ModelGenerator, load_model
    from reportgen.layout import load_layout

    layout = load_layout("clinical-visit")
    notes = [(p.note[:2000], []) for p in read_pairs(work / "pairs.jsonl")[-8:]]
    generator = ModelGenerator(load_model(str(work / "runs" / "lora")), max_new_tokens=256, batch_size=4)
    generator.generate(*notes[0], layout)  # warm-up
    start = time.perf_counter()
    for text, context in notes:
        generator.generate(text, context, layout)
    single = (time.perf_counter() - start) / len(notes)
    start = time.perf_counter()
    generator.generate_many(notes, layout)
    batched = (time.perf_counter() - start) / len(notes)
    return {"s_per_report_single": single, "s_per_report_batched4": batched, "max_new_tokens": 256}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--max-length", type=int, default=2048)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one configuration in this process
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        figures = generation(args.work) if args.one == "generate" else run_one(args.work, args.one, args.max_length)
        print(json.dumps(figures))
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        build(work, args.data, args.pairs)
        print(f"{args.pairs} pairs, max_length {args.max_length}, tiny Llama (hidden 64, 2 layers), CPU, 1 thread")
        print(f"{'config':14} {'examples':>8} {'steps':>5} {'tokens':>7} {'tok/s':>7} {'train s':>7} {'peak MiB':>8} {'loss':>6} {'eval':>6}")
        for name in [*CONFIGS, "generate"]:
            cmd = [sys.executable, __file__, "--one", name, "--work", str(work), "--max-length", str(args.max_length)]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                print(f"{name:14} failed: {done.stderr.strip().splitlines()[-1]}")
                continue
            f = json.loads(done.stdout.strip().splitlines()[-1])
            if name == "generate":
                print(
                    f"generation: {f['s_per_report_single']:.2f} s/report one at a time, "
                    f"{f['s_per_report_batched4']:.2f} s/report batched by 4 (greedy, {f['max_new_tokens']} new tokens)"
                )
            else:
                print(
                    f"{name:14} {f['examples']:>8} {f['steps']:>5} {f['tokens']:>7.0f} {f['tokens_per_s']:>7.0f} "
                    f"{f['train_s']:>7.1f} {f['peak_rss_mib']:>8.0f} {f['train_loss']:>6.2f} {f['eval_loss']:>6.2f}"
                    + (f"  ({f['truncated']} truncated, {f['skipped']} skipped)" if name == "lora" else "")
                )


if __name__ == "__main__":
    main()
