from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reportgen import errors
from reportgen.cli import App, capped_workers, choice, pass_app
from reportgen.config import FORMATS, Engine

if TYPE_CHECKING:
    from reportgen.batch import Summary


def _formats(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    if value is None:
        return None
    formats = [f.strip().lower() for f in value.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise click.BadParameter(f"unknown format(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}.")
    return list(dict.fromkeys(formats))


def _output(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from reportgen.outputs import is_uri

    if not is_uri(value):  # a folder: the usual checks (not a file)
        click.Path(file_okay=False).convert(value, param, ctx)
    return value


@click.command()
@click.argument("input_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("-o", "--output-dir", "output", callback=_output, required=True, metavar="DIR|URI",
              help="Folder for the reports and manifest.jsonl (created if missing), or an fsspec URI (s3://bucket/reports).")
@click.option("-f", "--format", "formats", callback=_formats, metavar="md,html,json",
              help="Comma-separated report formats, one file each per note (default: md).")
@click.option("--glob", "pattern", metavar="PATTERN", help="Which file names are notes (default: '*.txt').")
@click.option("-r", "--recursive", is_flag=True, help="Also take notes from sub-folders (mirrored in OUTPUT_DIR).")
@click.option("-j", "--workers", type=click.IntRange(min=0), help="Worker processes (default: one per CPU core, at most 8).")
@click.option("--resume", is_flag=True, help="Continue a batch: skip notes already done with the same settings.")
@click.option("--force", is_flag=True, help="Start over in an OUTPUT_DIR that already holds a batch.")
@click.option("--model", help="Model directory or hub id (default: the model-free extractive generator).")
@click.option("--engine", type=choice(Engine),
              help="local: worker processes here (default); ray: actors on a Ray cluster (pip install 'reportgen[ray]').")
@click.option("--address", metavar="ADDRESS",
              help="Ray cluster to join: auto, ray://HEAD:10001 or HEAD:6379 (default: a Ray instance on this machine).")
@click.option("--actors", type=click.IntRange(min=0), help="Ray: pipelines at once, one per actor (default: one per CPU of the cluster).")
@click.option("--num-cpus", type=click.FloatRange(min=0, min_open=True), help="Ray: CPUs each actor reserves (default 1).")
@click.option("--num-gpus", type=click.FloatRange(min=0),
              help="Ray: GPUs each actor reserves (default: 1 with --model when the cluster has GPUs, else 0).")
@pass_app
def batch(
    app: App,
    input_dir: Path,
    output: str,
    formats: list[str] | None,
    pattern: str | None,
    recursive: bool,
    workers: int | None,
    resume: bool,
    force: bool,
    model: str | None,
    engine: str | None,
    address: str | None,
    actors: int | None,
    num_cpus: float | None,
    num_gpus: float | None,
) -> None:
    """Generate a report for every note in INPUT_DIR, into OUTPUT_DIR.

    Each note's reports mirror its path (ward3/note.txt -> OUTPUT_DIR/ward3/note.md);
    a note that fails is recorded in OUTPUT_DIR/manifest.jsonl and the batch goes on.
    Ctrl-C finishes the notes in flight and stops; --resume carries on.

    \b
    Examples:
      reportgen batch notes/ -o reports/
      reportgen batch notes/ -o reports/ --format md,json --recursive --workers 4
      reportgen batch notes/ -o reports/ --resume
      reportgen batch /shared/notes -o /shared/reports --engine ray --address auto

    Exit status: 0 every note ok, 5 some notes failed (see the manifest),
    130 interrupted (rerun with --resume), 2-4 the batch could not run.
    """
    from reportgen.batch import run_batch
    from reportgen.cli.progress import reporter_for
    from reportgen.outputs import open_outputs

    settings = app.settings(**{
        "batch.formats": formats,
        "batch.glob": pattern,
        "batch.workers": workers,
        "generate.model": model,
        "batch.engine": engine,
        "ray.address": address,
        "ray.actors": actors,
        "ray.num_cpus": num_cpus,
        "ray.num_gpus": num_gpus,
    })
    config = settings.batch
    workers = capped_workers(app, config.workers or min(8, os.cpu_count() or 1))
    outputs = open_outputs(output)
    reporter = reporter_for(app, config.progress_every)
    with reporter:
        summary = run_batch(
            settings, input_dir, outputs,
            formats=config.formats, pattern=config.glob, recursive=recursive, workers=workers,
            resume=resume, force=force, on_start=reporter.start, on_record=reporter.update,
        )
    click.echo(_summary_text(summary, outputs.manifest_location))
    if summary.empty:
        app.warn(_empty_text(summary.empty))
    if summary.interrupted:
        app.warn("interrupted; rerun with --resume to finish.")
        sys.exit(errors.INTERRUPTED)
    if summary.failed:
        sys.exit(errors.PARTIAL)


def _empty_text(notes: list[str], shown: int = 10) -> str:
    """Which reports came out empty, by note id (opaque by default: never a file name that could identify)."""
    more = f" and {len(notes) - shown} more" if len(notes) > shown else ""
    return (f"{len(notes)} report(s) came out empty, nothing in the note recognised as clinical content: "
            f"{', '.join(notes[:shown])}{more} (the manifest's warnings say which).")


def _summary_text(summary: Summary, manifest: str) -> str:
    lines = [
        f"{summary.ok} ok, {summary.failed} failed, {summary.skipped} already done "
        f"(of {summary.total} notes) in {summary.seconds:.1f} s, {summary.rate:.1f} notes/s.",
    ]
    if summary.reasons:
        lines.append("Failures by reason:")
        lines += [f"  {count:>5}  {reason}" for reason, count in summary.reasons.most_common()]
    lines.append(f"Manifest: {manifest}")
    return "\n".join(lines)
