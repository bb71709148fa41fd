from __future__ import annotations

from pathlib import Path

import click

from reportgen.cli import App, pass_app


@click.command()
@click.argument("run", metavar="RUN_DIR", type=click.Path(path_type=Path, file_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False), required=True, help="Folder to write.")
@click.option("--merge", is_flag=True, help="Merge a LoRA adapter into its base model (a plain transformers model).")
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
@pass_app
def export(app: App, run: Path, output: Path, merge: bool, force: bool) -> None:
    """Export a `reportgen train` run (without its checkpoints) as a standalone model.

    With --merge, a LoRA run becomes one model that plain transformers loads
    (AutoModelForCausalLM.from_pretrained(OUTPUT)); the reportgen card goes with it.

    \b
    Example:
      reportgen export runs/visit-lora --merge -o models/visit-merged
    """
    from reportgen.training.export import export as run_export

    settings = app.settings()
    method = run_export(run, output, merge, settings.generate.trust_remote_code, overwrite=force)
    app.say(f"Wrote {method} model to {output}")
