from __future__ import annotations

import re
from pathlib import Path

import click

from reportgen.cli import App, choice, pass_app
from reportgen.config import Backend


@click.group()
def examples() -> None:
    """The site's archive of past note -> report pairs, retrieved as worked examples for a model's prompt."""


@examples.command(name="index")
@click.option("--data", type=click.Path(path_type=Path, dir_okay=False), required=True, help="Pairs JSONL (id, note, report).")
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False), required=True, help="Archive folder to write.")
@click.option("--force", is_flag=True, help="Replace a folder that is not empty.")
@click.option("--backend", type=choice(Backend), default="tantivy", show_default=True,
              help="Where the notes are indexed: in the folder (tantivy) or in the es.url cluster, under the alias "
                   "<es.index>-examples-<folder name>; the pairs stay in the folder either way.")
@pass_app
def index(app: App, data: Path, output: Path, force: bool, backend: str) -> None:
    """De-identify the pairs (note and report with the same surrogates) and index their notes (BM25).

    Then `--examples DIR` (or `generate.examples`) puts the reports of the
    `generate.examples_k` most similar archived notes into the prompt, for
    `reportgen train` and `reportgen generate --model` alike.

    \b
    Example:
      reportgen examples index --data train.jsonl -o archive/
      reportgen train --data train.jsonl --examples archive/ --base-model models/smollm2 -o runs/rag
      reportgen generate --model runs/rag --examples archive/ note.txt
    """
    from reportgen.archive import build_archive
    from reportgen.pipeline import Pipeline
    from reportgen.training.run import without_model

    settings = app.settings()
    store = None
    if backend == "elasticsearch":
        from reportgen.terminology.elastic import ElasticsearchIndex, connect

        store = ElasticsearchIndex(connect(settings.es), f"{settings.es.index}-examples-{re.sub(r'[^a-z0-9_-]+', '-', output.name.lower())}")
    app.say(f"De-identifying and indexing {data} ...")
    archive = build_archive(data, output, Pipeline.from_settings(without_model(settings)), overwrite=force, index=store)
    app.say(f"Wrote an archive of {len(archive.pairs)} de-identified pairs to {output}")
