"""One training run: pairs + base model + recipe -> a self-describing model directory.

Layout of the output directory:
    adapter_model.safetensors + adapter_config.json (LoRA) or model.safetensors (full)
    tokenizer files, recipe.json, reportgen-card.json, README.md
    checkpoints/checkpoint-N/   (for --resume; the newest `save_total_limit` are kept)
    run-data.json               (the data's sha256 and --limit: --resume refuses other data)
A run that fails before its first checkpoint leaves no folder behind.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen.config import Settings
from reportgen.data import file_sha256, read_pairs
from reportgen.errors import UsageError
from reportgen.files import atomic_write
from reportgen.generation.card import DataSummary, ExamplesUsed, ModelCard, library_versions, write_card
from reportgen.generation.model import load_model, open_examples, pick_device
from reportgen.generation.prompt import PROMPT_FORMAT
from reportgen.pipeline import Pipeline
from reportgen.runtime import set_threads
from reportgen.training.examples import Example, Examples, build_examples
from reportgen.training.recipe import Recipe

CHECKPOINTS = "checkpoints"


@dataclass
class TrainResult:
    output: Path
    card: ModelCard
    examples: Examples
    log_history: list[dict[str, float]]
    global_step: int


def train(
    data: Path,
    base_model: str,
    output: Path,
    recipe: Recipe,
    settings: Settings,
    *,
    resume: bool = False,
    overwrite: bool = False,
    limit: int | None = None,
    progress: bool = True,
    say: Callable[[str], None] = print,
) -> TrainResult:
    created = not output.exists()
    _check_output(output, resume, overwrite)
    try:
        _check_same_data(output, data, limit, resume)
        return _train(data, base_model, output, recipe, settings, resume=resume, limit=limit, progress=progress, say=say)
    except BaseException:
        if created and not any((output / CHECKPOINTS).glob("checkpoint-*")):  # nothing to resume: leave no empty run
            shutil.rmtree(output, ignore_errors=True)
        raise


def _train(
    data: Path,
    base_model: str,
    output: Path,
    recipe: Recipe,
    settings: Settings,
    *,
    resume: bool,
    limit: int | None,
    progress: bool,
    say: Callable[[str], None],
) -> TrainResult:
    pairs = read_pairs(data)[:limit]
    set_threads(settings.threads)
    device, dtype = pick_device()
    loaded = load_model(base_model, settings.generate.trust_remote_code, dtype)
    if loaded.card is not None and loaded.card.method == "lora":
        raise UsageError(f"{base_model} is a LoRA run, not a base model.", "Export it with `reportgen export --merge` first.")
    pipeline = Pipeline.from_settings(without_model(settings))
    say(f"Building {len(pairs)} examples (de-identify, retrieve terminology, prompt) ...")
    worked = open_examples(settings.generate)
    examples = build_examples(pairs, pipeline, loaded.tokenizer, recipe.max_length, recipe.overlong, worked)
    say(examples.summary())
    if examples.deid_policy is None:
        say("Warning: de-identification is off; this model will be trained on text that was not de-identified.")
    if not examples.items:
        raise UsageError(
            f"no example fits max_length {recipe.max_length} (longest {examples.longest} tokens).",
            "Raise max_length (--set max_length=N)"
            + (" or set overlong = 'truncate'." if recipe.overlong == "skip" else "; the reports alone are longer than it."),
        )
    train_set, eval_set = _split(examples.items, recipe)
    say(f"Training on {device}: {len(train_set)} train / {len(eval_set)} eval examples, method {recipe.method}.")
    trainer = sft_trainer(loaded, train_set, eval_set, recipe, output, device, progress, say)
    outcome = trainer.train(resume_from_checkpoint=True if resume else None)
    metrics = {k: float(v) for k, v in outcome.metrics.items() if isinstance(v, int | float)}
    if eval_set:
        metrics.update({k: float(v) for k, v in trainer.evaluate().items() if isinstance(v, int | float)})
    card = ModelCard(
        base_model=_portable(base_model),
        method=recipe.method,
        prompt_format=PROMPT_FORMAT,
        layout=pipeline.layout.name,
        deid_policy=examples.deid_policy,
        terminology_index=pipeline.index_version,
        examples=ExamplesUsed(archive=worked.archive.version, k=worked.k, max_tokens=worked.budget) if worked else None,
        data=DataSummary(
            path=str(data),
            sha256=file_sha256(data),
            pairs=len(pairs),
            train=len(train_set),
            eval=len(eval_set),
            truncated=examples.truncated,
            skipped=len(examples.skipped),
        ),
        recipe=recipe.model_dump(),
        metrics=metrics,
        libraries=library_versions(),
    )
    if trainer.is_world_process_zero():
        trainer.save_model(str(output))
        loaded.tokenizer.save_pretrained(str(output))
        atomic_write(output / "recipe.json", json.dumps(recipe.model_dump(), indent=2) + "\n")
        write_card(output, card)
        (output / "training_args.bin").unlink(missing_ok=True)  # a pickle; the recipe and card say the same
    return TrainResult(output, card, examples, trainer.state.log_history, trainer.state.global_step)


def _check_output(output: Path, resume: bool, overwrite: bool) -> None:
    has_checkpoint = any((output / CHECKPOINTS).glob("checkpoint-*"))
    if resume and not has_checkpoint:
        raise UsageError(f"--resume: {output} has no checkpoint to resume from.", "Drop --resume to start a new run.")
    if not resume and output.exists() and any(output.iterdir()) and not overwrite:
        raise UsageError(f"output {output} already holds a run.", "Pass --resume to continue it or --overwrite to start over.")
    output.mkdir(parents=True, exist_ok=True)


_STARTED = "run-data.json"  # what a run started from: --resume must continue with the same


def _check_same_data(output: Path, data: Path, limit: int | None, resume: bool) -> None:
    if not data.is_file():
        return  # read_pairs says what is wrong with it
    started = {"data_sha256": file_sha256(data), "limit": limit}
    marker = output / _STARTED
    if resume and marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) != started:
        raise UsageError(
            f"--resume: {data} (or --limit) is not what the run in {output} started with.",
            "Resume with the same --data and --limit, or start a new run.",
        )
    if not resume:
        atomic_write(marker, json.dumps(started) + "\n")


def without_model(settings: Settings) -> Settings:
    """Training needs the pipeline's de-identification and retrieval, not a generator model."""
    return settings.model_copy(update={"generate": settings.generate.model_copy(update={"model": None, "examples": None})})


def _split(items: list[Example], recipe: Recipe) -> tuple[list[Example], list[Example]]:
    """A seeded shuffle; the eval share rounds up to one example when there are at least two."""
    order = list(items)
    random.Random(recipe.seed).shuffle(order)
    n_eval = round(len(order) * recipe.eval_fraction)
    if recipe.eval_fraction > 0 and len(order) >= 2:
        n_eval = max(n_eval, 1)
    return order[n_eval:], order[:n_eval]


def sft_trainer(loaded: Any, train_set: list[Example], eval_set: list[Example], recipe: Recipe, output: Path, device: str,
                progress: bool, say: Callable[[str], None]) -> Any:
    """TRL's SFTTrainer for conversational prompt/completion rows, loss on the completion only.

    progress: transformers' bars (a terminal); else a plain line through say at every logging step.
    """
    import torch
    from datasets import Dataset
    from transformers import EarlyStoppingCallback, PrinterCallback
    from trl import SFTConfig, SFTTrainer

    on_cpu = device == "cpu"
    bf16 = device == "cuda" and torch.cuda.is_bf16_supported()
    early_stop = bool(eval_set) and recipe.early_stopping_patience > 0
    args = SFTConfig(
        output_dir=str(output / CHECKPOINTS),
        num_train_epochs=recipe.epochs,
        max_steps=recipe.max_steps,
        per_device_train_batch_size=recipe.batch_size,
        per_device_eval_batch_size=recipe.batch_size,
        gradient_accumulation_steps=recipe.gradient_accumulation_steps,
        learning_rate=recipe.learning_rate,
        lr_scheduler_type=recipe.lr_scheduler,
        warmup_steps=recipe.warmup_steps,
        weight_decay=recipe.weight_decay,
        logging_steps=recipe.logging_steps,
        eval_strategy="steps" if eval_set else "no",
        eval_steps=recipe.eval_steps,
        save_strategy="steps",
        save_steps=recipe.eval_steps,  # early stopping needs a checkpoint at every evaluation
        save_total_limit=recipe.save_total_limit,
        load_best_model_at_end=early_stop,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        # build_examples already fits every example into max_length; TRL refuses a max_length with
        # padding-free batches that are not packed, so it gets None there.
        max_length=None if recipe.padding_free and not recipe.packing else recipe.max_length,
        completion_only_loss=True,
        packing=recipe.packing,
        padding_free=recipe.padding_free,
        use_cpu=on_cpu,
        bf16=bf16,
        fp16=device == "cuda" and not bf16,
        activation_checkpointing=recipe.gradient_checkpointing and device == "cuda",
        report_to="none",
        disable_tqdm=not progress,
        seed=recipe.seed,
    )
    peft_config = None
    if recipe.method == "lora":
        from peft import LoraConfig

        peft_config = LoraConfig(
            r=recipe.lora.r,
            lora_alpha=recipe.lora.alpha,
            lora_dropout=recipe.lora.dropout,
            target_modules=recipe.lora.targets(loaded.model.config.model_type),
            task_type="CAUSAL_LM",
        )
    trainer = SFTTrainer(
        model=loaded.model,
        args=args,
        train_dataset=Dataset.from_list([e.row() for e in train_set]),
        eval_dataset=Dataset.from_list([e.row() for e in eval_set]) if eval_set else None,
        processing_class=loaded.tokenizer,
        peft_config=peft_config,
        callbacks=[EarlyStoppingCallback(recipe.early_stopping_patience)] if early_stop else None,
    )
    trainer.remove_callback(PrinterCallback)  # without bars it prints every log dict on stdout, which is for data
    if not progress:
        trainer.add_callback(_loss_lines(say))
    return trainer


def _loss_lines(say: Callable[[str], None]) -> Any:
    """A callback that says the loss at every logging step, in one plain line (logs, CI, nohup)."""
    from transformers import TrainerCallback

    class LossLines(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
            losses = [f"{key} {float(value):.4f}" for key, value in (logs or {}).items() if key in ("loss", "eval_loss")]
            if losses:
                say(f"step {state.global_step}/{state.max_steps}: {', '.join(losses)}")

    return LossLines()


def _portable(base_model: str) -> str:
    """A local base model as an absolute path (the run dir must find it from anywhere); a hub id as is."""
    path = Path(base_model).expanduser()
    return str(path.resolve()) if path.is_dir() else base_model
