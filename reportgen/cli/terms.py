"""`reportgen terms ...`: build, search and describe the terminology index."""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reportgen.cli import App, choice, pass_app
from reportgen.config import Backend, Settings
from reportgen.errors import UsageError

if TYPE_CHECKING:
    from reportgen.terminology.terms import Hit


def backend_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options naming the index: the backend, and where it is."""
    options = [
        click.option("--backend", type=choice(Backend), help="Search engine (default: tantivy, embedded)."),
        click.option("--index-dir", type=click.Path(path_type=Path, file_okay=False), help="tantivy index folder (default: <data dir>/terms)."),
        click.option("--es-url", help="Elasticsearch URL [env REPORTGEN_ES_URL]."),
        click.option("--es-index", help="Elasticsearch alias to search and build (default: reportgen-terms)."),
        click.option("--es-user", help="Elasticsearch user (basic auth) [env REPORTGEN_ES_USERNAME]."),
        click.option("--es-password", help="Password; prefer env REPORTGEN_ES_PASSWORD (flags show in `ps`)."),
        click.option("--es-api-key", help="API key; prefer env REPORTGEN_ES_API_KEY (flags show in `ps`)."),
        click.option("--es-ca-certs", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="CA certificate (PEM) of the cluster."),
        click.option("--es-timeout", type=float, help="Seconds per request (default 10)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _settings(app: App, options: dict[str, Any], **more: Any) -> Settings:
    return app.settings(
        **{
            "terms.backend": options.pop("backend"),
            "terms.index_dir": options.pop("index_dir"),
            "es.url": options.pop("es_url"),
            "es.index": options.pop("es_index"),
            "es.username": options.pop("es_user"),
            "es.password": options.pop("es_password"),
            "es.api_key": options.pop("es_api_key"),
            "es.ca_certs": options.pop("es_ca_certs"),
            "es.request_timeout": options.pop("es_timeout"),
            **more,
        }
    )


@click.group()
def terms() -> None:
    """Terminology: ICD-10-CM, the Disease Ontology and your own vocabularies.

    \b
    Examples:
      reportgen terms search "chest pain on exertion"
      reportgen terms search htn --system icd10cm -k 5 --json
      reportgen terms index --source formulary.csv --source hp.obo.gz
      reportgen terms index --backend elasticsearch --es-url https://es:9200
      reportgen terms info
    """


@terms.command("index")
@click.option(
    "-s", "--source", "sources", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
    help="A vocabulary to add: .jsonl, .csv, .tsv (code,title,synonyms) or .obo, optionally .gz. Repeatable.",
)
@click.option("--system", help="System name for the --source files (default: their `system` column, OBO header or file name).")
@click.option("--no-shipped", is_flag=True, help="Index only the --source files, not ICD-10-CM and the Disease Ontology.")
@click.option("--no-dense", is_flag=True, help="Skip the term vectors of terms.dense (seconds instead of minutes; searches are lexical).")
@backend_options
@pass_app
def index_cmd(app: App, sources: tuple[Path, ...], system: str | None, no_shipped: bool, no_dense: bool, **options: Any) -> None:
    """Build (or rebuild) the index, replacing the old one only once the new one is complete."""
    from reportgen.terminology.index import load_corpora, make_index

    settings = _settings(app, options, **{"terms.dense": False if no_dense else None})
    if no_shipped and not sources and not settings.terms.sources:
        raise UsageError("--no-shipped leaves nothing to index.", "Add --source FILE.")
    corpora = load_corpora([*settings.terms.sources, *sources], shipped=not no_shipped, system=system)
    total = sum(len(c.terms) for c in corpora)
    index = make_index(settings)
    for name in _left_out(index, corpora):
        app.warn(f"the index being replaced also held {name}, which this build leaves out; pass it with --source "
                 "again (or list it in terms.sources) to keep it.")
    start = time.perf_counter()
    label, steps = "Indexing terms", total
    if index.encoder is not None:  # the bar counts each term twice: indexed, then its vector
        app.say(f"Also computing the term vectors of terms.dense for {total:,} terms (minutes on 2 cores).")
        label, steps = "Indexing terms and computing their vectors", 2 * total
    if app.verbosity < 0:
        stats = index.build(corpora)
    else:
        with click.progressbar(length=steps, label=label, file=sys.stderr) as bar:
            stats = index.build(corpora, bar.update)
    app.say(f"Indexed {stats.count:,} terms ({stats.version}) into {stats.location} in {time.perf_counter() - start:.1f} s.")


def _vectors_line(index: Any, dense: bool) -> str:
    """Whether the dense side has its term vectors (numpy is loaded only when they exist)."""
    vectors = index.vectors()
    if vectors is not None:
        return f"{len(vectors.terms):,} term vectors (terms.dense: {'on' if dense else 'off'})"
    if dense:
        return "none yet (terms.dense: on; computed by `terms index`, or by the first `terms search` that needs them)"
    return "none (terms.dense: off)"


def _left_out(index: Any, corpora: Any) -> list[str]:
    """Vocabulary files in the current index that the new build does not have (a build replaces, never adds)."""
    from reportgen.errors import ReportgenError

    try:
        before = index.stats().sources
    except ReportgenError:  # no index yet, or one this version cannot read
        return []
    now = {c.source.name for c in corpora}
    return sorted({s.name for s in before} - now)


@terms.command("search")
@click.argument("query")
@click.option("-k", "--top", "k", type=click.IntRange(1, 1000), default=10, show_default=True, help="How many hits.")
@click.option("--system", help="Only this vocabulary, e.g. icd10cm or doid.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
@click.option("--no-expand", is_flag=True, help="Do not expand abbreviations and lay terms.")
@click.option("--no-dense", is_flag=True, help="Lexical search only: no term vectors (terms.dense = false).")
@backend_options
@pass_app
def search_cmd(app: App, query: str, k: int, system: str | None, as_json: bool, no_expand: bool, no_dense: bool, **options: Any) -> None:
    """Search the index for QUERY (any text: abbreviations, lay terms, typos)."""
    if not query.strip():
        raise UsageError("the query is empty.", 'Give some text, e.g. reportgen terms search "chest pain".')
    from reportgen.terminology.index import open_terminology

    settings = _settings(app, options, **{"terms.expand": False if no_expand else None, "terms.dense": False if no_dense else None})
    hits = open_terminology(settings, app.say).search(query, k, system)
    if as_json:
        for hit in hits:
            click.echo(json.dumps(asdict(hit), ensure_ascii=False))
    elif hits:
        click.echo(_table(hits))
    else:
        app.say("No matching terms.")


def _table(hits: list[Hit]) -> str:
    rows = [(str(i), f"{h.score:.2f}", h.system, h.code, h.matched_field, h.title) for i, h in enumerate(hits, start=1)]
    header = ("#", "score", "system", "code", "matched", "title")
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(5)]
    room = max(20, shutil.get_terminal_size((100, 20)).columns - sum(widths) - 10)
    lines = []
    for row in [header, *rows]:
        cells = [cell.ljust(w) if c else cell.rjust(w) for c, (cell, w) in enumerate(zip(row, widths))]
        title = row[5] if len(row[5]) <= room else row[5][: room - 1] + "…"
        lines.append("  ".join([*cells, title]))
    return "\n".join(lines)


@terms.command("info")
@backend_options
@pass_app
def info_cmd(app: App, **options: Any) -> None:
    """Show what the index holds: backend, size, build time, and each vocabulary's version and license."""
    from reportgen.terminology.index import index_path, make_index

    settings = _settings(app, options)
    if settings.terms.backend == "tantivy" and not index_path(settings).exists():
        app.say(f"No index yet at {index_path(settings)}: `reportgen terms index` builds it (first use does too).")
        return
    index = make_index(settings)
    stats = index.stats()
    click.echo(f"backend:   {stats.backend}\nlocation:  {stats.location}\nterms:     {stats.count:,}\nbuilt:     {stats.built_at}")
    click.echo(f"vectors:   {_vectors_line(index, settings.terms.dense)}")
    for source in stats.sources:
        click.echo(f"\n{source.system}: {source.version}, {source.count:,} terms, from {source.name}")
        for line in (source.license, source.attribution):
            if line:
                click.echo(f"  {line}")
