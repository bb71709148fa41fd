"""Rendering a Report through Jinja templates (Markdown, HTML) or as JSON.

All templates, shipped or user-supplied, render in Jinja's sandbox with
StrictUndefined; HTML templates are autoescaped because note text is untrusted.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from types import TracebackType

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from reportgen import __version__
from reportgen.errors import InputError
from reportgen.report import Report
from reportgen.resources import templates_dir

_SUFFIX_FORMAT = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json"}


def format_for(output: Path | None, requested: str | None) -> str:
    """The format to write: as requested, else from the output suffix, else Markdown."""
    if requested:
        return requested
    if output is not None:
        return _SUFFIX_FORMAT.get(output.suffix.lower(), "md")
    return "md"


def _autoescape(name: str | None) -> bool:
    return name is not None and any(part in (".html", ".htm", ".xml") for part in Path(name).suffixes)


@lru_cache(maxsize=16)
def _environment(search_path: tuple[Path, ...]) -> SandboxedEnvironment:
    # Cached so a batch compiles each template once; the loader still reloads changed files.
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(report: Report, fmt: str, template: Path | None = None, user_templates: Path | None = None) -> str:
    """Render a report. `template` is a user's template file; otherwise report.<fmt>.j2 is used."""
    if fmt == "json" and template is None:
        return report.model_dump_json(indent=2) + "\n"
    if template is not None:
        if not template.is_file():
            raise InputError(f"template {template} does not exist.", "Check --template.")
        env, name = _environment((template.parent,)), template.name
    else:
        env = _environment(tuple(p for p in (user_templates, templates_dir()) if p))
        name = f"report.{fmt}.j2"
    try:
        return env.get_template(name).render(report=report, version=__version__)
    except jinja2.TemplateSyntaxError as e:
        raise InputError(f"template {e.filename or name} line {e.lineno}: {e.message}.", "Fix the template.") from None
    except jinja2.TemplateNotFound as e:
        raise InputError(f"template {e.name} not found.", "Check --template or generate.templates_dir.") from None
    except jinja2.TemplateError as e:
        # Runtime errors (undefined variables, sandbox violations): find the template line.
        line = _template_line(e.__traceback__, name)
        where = f" line {line}" if line else ""
        raise InputError(f"template {name}{where}: {type(e).__name__}: {e}.", "Fix the template.") from None


def _template_line(tb: TracebackType | None, name: str) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


