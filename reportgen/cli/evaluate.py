from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from reportgen.cli import App, pass_app
from reportgen.errors import UsageError

if TYPE_CHECKING:
    from reportgen.config import Settings
    from reportgen.data import Pair
    from reportgen.evaluate import Evaluation
    from reportgen.layout import Layout


@click.command()
@click.option("--data", "data", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help='Pairs JSONL: one {"id", "note", "report"} object per line (see `reportgen data import`).')
@click.option("--model", help="Model directory or hub id (default: the model-free extractive generator).")
@click.option("--examples", type=click.Path(path_type=Path, file_okay=False),
              help="Example archive (`reportgen examples index`, built from training pairs only): worked examples in the prompt.")
@click.option("--compare", is_flag=True,
              help="Compare adaptation strategies instead: --base-model zero-shot and with --examples, --model (fine-tuned) "
                   "with and without them, and the model-free generator; one table and a plot.")
@click.option("--base-model", help="With --compare: the model before fine-tuning (a directory from `reportgen model import`).")
@click.option("-o", "--output-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Also write evaluation.jsonl (per pair), summary.md and sections.png here.")
@click.option("--force", is_flag=True, help="Overwrite the files of an earlier evaluation in OUTPUT_DIR.")
@click.option("--restore-phi", is_flag=True, help="Put the note's identifiers back into the output before scoring (no leak check).")
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N pairs.")
@click.option("--problems", "problem_file", type=click.Path(path_type=Path, dir_okay=False),
              help='Labelled problem lists ({"encounters": {pair id: {"problems": [...]}}}, e.g. bench/data/aci_valid_problems.json): '
                   "also score the problem list (precision, recall, first code right).")
@pass_app
def evaluate(
    app: App,
    data: Path,
    model: str | None,
    examples: Path | None,
    compare: bool,
    base_model: str | None,
    output_dir: Path | None,
    force: bool,
    restore_phi: bool,
    limit: int | None,
    problem_file: Path | None,
) -> None:
    """Generate a report for each pair's note and score it against the pair's report.

    ROUGE-1/2/L/Lsum (as ACI-Bench computes them), section coverage,
    ICD-10-CM code agreement and a PHI leak check (any identifier found in the
    note appearing in the output). Prints a table; -o also writes files.

    \b
    Examples:
      reportgen data import valid.csv --format aci-bench -o valid.jsonl
      reportgen evaluate --data valid.jsonl -o eval/
      reportgen evaluate --data valid.jsonl --compare --base-model models/smollm2 \\
          --model runs/visit-lora --examples archive/ -o eval/
    """
    from reportgen.data import read_pairs  # the training area's pairs loader (shared format)
    from reportgen.evaluate import evaluate_pairs, write_outputs
    from reportgen.pipeline import Pipeline

    if output_dir is not None and output_dir.is_dir() and any(output_dir.iterdir()) and not force:
        raise UsageError(f"output folder {output_dir} is not empty.", "Pass --force to overwrite an earlier evaluation there.")
    settings = app.settings(**{"generate.model": model, "generate.examples": examples})
    pairs = read_pairs(data)[:limit]
    if compare:
        _compare(app, settings, pairs, base_model, model, examples, output_dir)
        return
    labels = _problem_labels(problem_file)
    pipeline = Pipeline.from_settings(settings)
    app.say(f"Evaluating {len(pairs)} pairs...")
    evaluation = evaluate_pairs(pipeline, pairs, restore_phi=restore_phi, problem_labels=labels)
    _print_table(evaluation, pipeline.layout)
    if output_dir is not None:
        for path in write_outputs(evaluation, pipeline.layout, output_dir):
            app.say(f"Wrote {path}")


def _problem_labels(path: Path | None) -> dict[str, dict[str, list[object]]] | None:
    import json

    from reportgen.errors import InputError

    if path is None:
        return None
    try:
        return dict(json.loads(path.read_text(encoding="utf-8"))["encounters"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputError(f"problem labels {path} are unreadable ({type(e).__name__}).",
                         'Pass a JSON file like bench/data/aci_valid_problems.json ({"encounters": {...}}).') from None


def _print_table(evaluation: Evaluation, layout: Layout) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{evaluation.generator}: {len(evaluation.scores)} pairs")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in evaluation.summary().items():
        table.add_row(name, "n/a" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value))
    console.print(table)
    sections = Table(title="Sections")
    for column in ("section", "in reference", "output has it", "ROUGE-1"):
        sections.add_column(column, justify="left" if column == "section" else "right")
    for title, n, present, r1 in evaluation.per_section(layout):
        sections.add_row(title, str(n), f"{present:.2f}", f"{r1:.3f}")
    console.print(sections)


def _compare(app: App, settings: Settings, pairs: list[Pair], base_model: str | None, model: str | None,
             examples: Path | None, output_dir: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from reportgen.adaptation import COLUMNS, cells, compare, plot, strategies_for, table_markdown
    from reportgen.files import atomic_write

    if not base_model and not model:
        raise UsageError("--compare needs --base-model and/or --model.", "Pass the imported base model and/or your fine-tuned run.")
    strategies = strategies_for(base_model, model, examples)
    app.say(f"Comparing {len(strategies)} strategies on {len(pairs)} pairs...")
    rows = compare(settings, pairs, strategies, say=app.say)
    title = f"Adaptation strategies ({len(pairs)} pairs)"
    table = Table(title=title)
    for name, _ in COLUMNS:
        table.add_column(name, justify="left" if name == "strategy" else "right")
    for row in rows:
        table.add_row(*cells(row))
    Console().print(table)
    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(output_dir / "adaptation.md", table_markdown(rows, title))
        plot(rows, output_dir / "adaptation.png", title)
        app.say(f"Wrote {output_dir / 'adaptation.md'} and {output_dir / 'adaptation.png'}")
