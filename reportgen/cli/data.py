from __future__ import annotations

from pathlib import Path

import click

from reportgen.cli import App, choice, pass_app
from reportgen.config import DatasetFormat


@click.group()
def data() -> None:
    """Prepare note -> report pairs for `reportgen train`."""


@data.command("import")
@click.argument("source", metavar="FILE", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "fmt", type=choice(DatasetFormat), required=True, help="The dataset FILE comes from.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True, help="Pairs JSONL to write.")
@click.option("--layout", help="Report layout whose section aliases map MTS-Dialog section codes.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@pass_app
def import_(app: App, source: Path, fmt: str, output: Path, layout: str | None, force: bool) -> None:
    """Convert a public dataset CSV into pairs JSONL (id, note, report[, patient]).

    \b
    aci-bench:  dialogue -> the clinician's full visit note; patient name, age and sex
                from the *_metadata.csv beside FILE when present.
    mts-dialog: dialogue -> one section, its code (GENHX, FAM/SOCHX, ...) mapped to the
                layout's section by its aliases (a code of two sections, FAM/SOCHX, to the one
                whose cues its text names most); codes the layout lacks are skipped and counted.

    \b
    Examples:
      reportgen data import --format aci-bench ../shared/data/aci-bench/train.csv -o aci-train.jsonl
      reportgen data import --format mts-dialog MTS-Dialog-TrainingSet.csv -o mts-train.jsonl
    """
    from reportgen.data import import_file, write_pairs
    from reportgen.files import check_output_path
    from reportgen.layout import load_layout

    settings = app.settings(**{"generate.layout": layout})
    check_output_path(output, force)
    imported = import_file(fmt, source, load_layout(settings.generate.layout, settings.generate.templates_dir))
    write_pairs(output, imported.pairs)
    app.say(f"Wrote {len(imported.pairs)} pairs to {output}")
    for reason, count in sorted(imported.skipped.items()):
        app.warn(f"skipped {count} row(s): {reason}")
