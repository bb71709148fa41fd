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
from reportgen.training.trainer import CHECKPOINTS, sft_trainer


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
    worked = open_examples(settings.generate, settings.es)
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


def _portable(base_model: str) -> str:
    """A local base model as an absolute path (the run dir must find it from anywhere); a hub id as is."""
    path = Path(base_model).expanduser()
    return str(path.resolve()) if path.is_dir() else base_model
