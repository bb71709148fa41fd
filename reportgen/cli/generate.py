from __future__ import annotations

from pathlib import Path

import click

from reportgen.cli import App, choice, log, pass_app
from reportgen.config import Backend, Format, Operator


@click.command()
@click.argument("note", metavar="NOTE", type=click.Path(path_type=Path, allow_dash=True))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the report here (default: stdout).")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=choice(Format, case_sensitive=False),
    help="md, html or json (default: from the output file's suffix, else md).",
)
@click.option(
    "-t",
    "--template",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Your own Jinja template (rendered in a sandbox; .html templates are autoescaped).",
)
@click.option("--layout", help="Report layout: a name in templates/layouts/ or a .toml file.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@click.option("--backend", type=choice(Backend), help="Terminology search engine (default: tantivy).")
@click.option("--index-dir", type=click.Path(path_type=Path, file_okay=False), help="tantivy terminology index folder.")
@click.option("--model", help="Write the report with a model: a `reportgen train` run dir, a model dir or a hub id.")
@click.option("--examples", type=click.Path(path_type=Path, file_okay=False),
              help="Example archive (`reportgen examples index`): reports of similar archived notes go into the model's prompt.")
@click.option("--max-new-tokens", type=int, help="Longest report the model may write, in tokens (default 1024).")
@click.option("--temperature", type=float, help="Sampling temperature; 0 (default) = greedy.")
@click.option("--operator", type=choice(Operator), help="De-identification replacement (default: surrogate).")
@click.option(
    "--restore-phi",
    is_flag=True,
    help="Put the note's real identifiers back into the rendered report (the clinician's copy; the model still sees none).",
)
@click.option("--no-deid", is_flag=True, help="Skip de-identification (unsafe: the note's identifiers reach the model). Warns on stderr.")
@pass_app
def generate(
    app: App,
    note: Path,
    output: Path | None,
    fmt: str | None,
    template: Path | None,
    layout: str | None,
    force: bool,
    backend: str | None,
    index_dir: Path | None,
    model: str | None,
    examples: Path | None,
    max_new_tokens: int | None,
    temperature: float | None,
    operator: str | None,
    restore_phi: bool,
    no_deid: bool,
) -> None:
    """Generate a structured report from one NOTE file ('-' reads stdin).

    \b
    Examples:
      reportgen generate visit.txt
      reportgen generate visit.txt -o visit.html
      cat visit.txt | reportgen generate - --format json
    """
    from reportgen.deid.restore import restore_report
    from reportgen.files import atomic_write, check_output_path, write_stdout
    from reportgen.notes import read_note
    from reportgen.pipeline import Pipeline
    from reportgen.render import format_for, render

    settings = app.settings(
        **{
            "generate.layout": layout,
            "terms.backend": backend,
            "terms.index_dir": index_dir,
            "generate.model": model,
            "generate.examples": examples,
            "generate.max_new_tokens": max_new_tokens,
            "generate.temperature": temperature,
            "deid.operator": operator,
        }
    )
    fmt = format_for(output, fmt.lower() if fmt else None)
    if output is not None:
        check_output_path(output, force)
    if no_deid:
        app.warn("--no-deid: the note goes to the model and the report with its identifiers in it.")
    pipeline = Pipeline.from_settings(settings, deidentify=not no_deid)
    result = pipeline.run(read_note(note, settings.notes))
    provenance = result.report.provenance
    log.info("note %s: de-identification %s, generator %s, terminology %s", provenance.note_id,
             provenance.deid_policy or "off", provenance.generator, provenance.terminology_index or "none")
    log.info("seconds per stage: %s", ", ".join(f"{stage} {seconds:.3f}" for stage, seconds in result.timings.items()))
    for warning in result.report.provenance.warnings:
        app.warn(warning)
    report = result.report
    if restore_phi:  # into the report, before rendering: the template escapes them like any note text
        report, restored = restore_report(report, result.deid.restore_counted)
        report = report.model_copy(update={"provenance": report.provenance.model_copy(update={"phi_restored": restored})})
        app.say(f"Restored {restored} identifier(s) where de-identification replaced them.")
    text = render(report, fmt, template, settings.generate.templates_dir)
    if output is None:
        write_stdout(text)
    else:
        atomic_write(output, text)
        app.say(f"Wrote {output}")
