from __future__ import annotations

import sys
from pathlib import Path

import click

from reportgen.cli import App, choice, pass_app
from reportgen.config import TrainMethod


@click.command()
@click.option("--data", type=click.Path(path_type=Path, dir_okay=False), required=True, help="Pairs JSONL (id, note, report).")
@click.option("--base-model", help="Model directory or hub id to fine-tune (an instruct model); not for --method extractive.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Run directory to write (--method extractive: one .safetensors file).")
@click.option("--examples", type=click.Path(path_type=Path, file_okay=False),
              help="Example archive: put the reports of similar archived pairs into each prompt (never the pair's own).")
@click.option("--recipe", metavar="NAME|FILE", help="A shipped recipe (lora, full, tiny-cpu) or a recipe TOML file (default: built-in LoRA defaults).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a recipe value, e.g. --set lora.r=8 (repeatable).")
@click.option("--method", type=click.Choice([*choice(TrainMethod).choices, "extractive"]),
              help="Override the recipe: LoRA adapter or full fine-tune; 'extractive' trains the model-free generator (CPU, minutes).")
@click.option("--epochs", type=float, help="Override the recipe's epochs.")
@click.option("--max-steps", type=int, help="Override the recipe: stop after this many steps.")
@click.option("--limit", type=int, help="Use only the first N pairs (quick trials).")
@click.option("--resume", is_flag=True, help="Continue the run in --output from its newest checkpoint.")
@click.option("--overwrite", is_flag=True, help="Start over in an --output that already holds a run.")
@pass_app
def train(
    app: App,
    data: Path,
    base_model: str | None,
    output: Path,
    examples: Path | None,
    recipe: str | None,
    sets: tuple[str, ...],
    method: str | None,
    epochs: float | None,
    max_steps: int | None,
    limit: int | None,
    resume: bool,
    overwrite: bool,
) -> None:
    """Fine-tune a model on note -> report pairs (TRL SFT; LoRA by default).

    Every pair is de-identified (note and report with the same surrogates),
    terminology is retrieved for the note, and the prompt is built by the same
    code `reportgen generate --model` uses. Over-long examples are reported and
    truncated or skipped as the recipe's `overlong` says. Runs on CUDA, Apple
    MPS or CPU (picked automatically); for several GPUs start it with
    `accelerate launch -m reportgen train ...`.

    \b
    Examples:
      reportgen train --data pairs.jsonl --base-model Qwen/Qwen2.5-0.5B-Instruct \\
          --recipe lora -o runs/visit-lora
      reportgen train --data pairs.jsonl --base-model ~/models/SmolLM2-135M-Instruct -o runs/try \\
          --recipe tiny-cpu --set lora.r=4
      reportgen train ... -o runs/visit-lora --resume
      reportgen train --method extractive --data pairs.jsonl -o site-extractive.safetensors
    """
    if method == "extractive":
        from reportgen.training.extractive import train_extractive

        tagger = train_extractive(data, output, app.settings(), overwrite=overwrite, limit=limit, say=app.say)
        app.say(f"Wrote extractive model to {output} ({tagger.sentences} sentences, {tagger.content} with report content). "
                f"Use it with generate.extractive_model = \"{output}\".")
        return
    if base_model is None:
        raise click.UsageError("--base-model is required (except with --method extractive).")
    from reportgen.training.recipe import load_recipe, parse_override
    from reportgen.training.run import train as run_train

    overrides = dict(parse_override(item) for item in sets)
    overrides.update({k: v for k, v in {"method": method, "epochs": epochs, "max_steps": max_steps}.items() if v is not None})
    settings = app.settings(**{"generate.examples": examples})
    result = run_train(
        data,
        base_model,
        output,
        load_recipe(recipe, overrides),
        settings,
        resume=resume,
        overwrite=overwrite,
        limit=limit,
        progress=app.verbosity >= 0 and sys.stderr.isatty(),  # bars on a terminal; plain loss lines elsewhere
        say=app.say,
    )
    metrics = ", ".join(f"{k} {result.card.metrics[k]:.4f}" for k in ("train_loss", "eval_loss") if k in result.card.metrics)
    app.say(f"Wrote {result.card.method} model to {output} after {result.global_step} steps ({metrics}).")
