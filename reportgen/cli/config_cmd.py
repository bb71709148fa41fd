from __future__ import annotations

import json

import click

from reportgen.cli import App, pass_app


@click.command()
@pass_app
def config(app: App) -> None:
    """Show the settings in effect (flags aside), as JSON.

    \b
    Each field can be set in the TOML file (section table, e.g. [es] url = ...)
    or as REPORTGEN_<SECTION>_<FIELD> (e.g. REPORTGEN_ES_URL).
    """
    click.echo(json.dumps(app.settings().model_dump(mode="json"), indent=2))
