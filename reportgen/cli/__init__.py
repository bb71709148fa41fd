"""The `reportgen` command line: a Click group; each command lives in its own
module here and only parses options, then calls one library function.

Start-up stays fast because nothing heavy is imported until a command runs:
- commands are registered by name in `COMMANDS` ("module:attribute") and imported
  only when Click asks for them (`LazyGroup`); a new command is one line there;
- a command module imports only click and `reportgen.config` at the top; the
  library it calls (Presidio, spaCy, torch, ...) is imported inside the command;
- allowed values come from the `Literal`s in `reportgen.config` through `choice()`.
tests/test_cli_startup.py holds every command module to this.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any, get_args

import click

from reportgen import __version__, errors
from reportgen.config import Settings, load_settings

log = logging.getLogger("reportgen")


@dataclass
class App:
    """What the group's options give every command."""

    config_file: Path | None
    verbosity: int  # -1 quiet, 0 normal, 1+ verbose
    debug: bool

    def settings(self, **overrides: Any) -> Settings:
        """Settings with this command's flags (dotted keys, None = not given) on top."""
        return load_settings(self.config_file, overrides)

    def say(self, message: str) -> None:
        """A progress or status line on stderr, unless --quiet."""
        if self.verbosity >= 0:
            click.echo(message, err=True)

    def warn(self, message: str) -> None:
        click.echo(f"Warning: {message}", err=True)


pass_app = click.make_pass_decorator(App)


def capped_workers(app: App, workers: int) -> int:
    """At most one worker process per CPU core: each holds its own pipeline (~0.5 GB)."""
    cores = os.cpu_count() or 1
    if workers > cores:
        app.warn(f"{workers} workers asked for, this machine has {cores} CPU cores; using {cores}.")
    return min(workers, cores)


# name -> "module:attribute"; imported on first use, so `--help` loads only these small modules.
COMMANDS = {
    "batch": "reportgen.cli.batch:batch",
    "config": "reportgen.cli.config_cmd:config",
    "data": "reportgen.cli.data:data",
    "deid": "reportgen.cli.deid:deid",
    "evaluate": "reportgen.cli.evaluate:evaluate",
    "examples": "reportgen.cli.examples:examples",
    "export": "reportgen.cli.export:export",
    "generate": "reportgen.cli.generate:generate",
    "model": "reportgen.cli.model:model",
    "terms": "reportgen.cli.terms:terms",
    "train": "reportgen.cli.train:train",
}


def choice(literal: Any, case_sensitive: bool = True) -> click.Choice[str]:
    """A click.Choice of the values a `Literal` in reportgen.config allows."""
    return click.Choice(get_args(literal), case_sensitive=case_sensitive)


class Group(click.Group):
    """Turns reportgen's errors into one line on stderr and an exit code;
    subcommands named in `lazy` are imported only when used."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            self.add_command(getattr(import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except errors.ReportgenError as e:
            if _debug(ctx):
                raise
            click.echo(f"Error: {e}", err=True)
            ctx.exit(e.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(errors.INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as e:  # a bug: no message text, it may quote a note
            if _debug(ctx):
                raise
            click.echo(
                f"Error: internal error ({type(e).__name__}). Rerun with --debug for a traceback and report it.",
                err=True,
            )
            ctx.exit(errors.INTERNAL)


def _debug(ctx: click.Context) -> bool:
    app = ctx.find_object(App)
    return bool(app and app.debug)


@click.group(cls=Group, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="reportgen")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="REPORTGEN_CONFIG",
    help="TOML settings file (default: ~/.config/reportgen/config.toml if present).",
)
@click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv for debug logging).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, config_file: Path | None, verbose: int, quiet: bool, debug: bool) -> None:
    """Turn free-text clinical notes into structured patient reports.

    Every note is de-identified before anything else sees it; terminology
    (ICD-10-CM, ...) is retrieved to ground the report and code its problems;
    reports are rendered through Jinja templates as Markdown, HTML or JSON.

    \b
    Quick start:
      reportgen generate corpora/samples/annual-exam.txt
      reportgen generate note.txt --format html -o report.html

    Settings come from flags, then REPORTGEN_* environment variables, then
    the --config file; `reportgen config` shows the result.

    Exit codes: 0 ok, 1 internal error, 2 usage or configuration error,
    3 bad input, 4 runtime failure (missing model, index or server),
    5 batch finished with failed notes, 130 interrupted.
    """
    verbosity = -1 if quiet else verbose
    level = logging.DEBUG if debug else {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger().setLevel(level)  # also when a handler was already there (basicConfig then does nothing)
    ctx.obj = App(config_file=config_file, verbosity=verbosity, debug=debug)


def main() -> None:
    # What start-up imported (click, pydantic's schemas) lives as long as the process: frozen, it is left
    # out of every later collection. A full collection walked it for ~30 ms of a `terms search`.
    gc.freeze()
    cli(prog_name="reportgen")
