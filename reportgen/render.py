"""Rendering a Report through Jinja templates (Markdown, HTML) or as JSON.

All templates, shipped or user-supplied, render in Jinja's sandbox with
StrictUndefined; HTML templates are autoescaped because note text is untrusted.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from types import TracebackType

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from reportgen import __version__
from reportgen.errors import InputError, UsageError
from reportgen.report import Report, map_note_text
from reportgen.resources import templates_dir

_SUFFIX_FORMAT = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json"}


def format_for(output: Path | None, requested: str | None) -> str:
    """The format to write: as requested, else from the output suffix, else Markdown."""
    if requested:
        return requested
    if output is not None and output.suffix:
        if output.suffix.lower() not in _SUFFIX_FORMAT:  # `-o r.pdf` would be Markdown under a PDF name
            raise UsageError(f"cannot write {output.suffix} files.", "Name the output .md, .html or .json, or pass --format.")
        return _SUFFIX_FORMAT[output.suffix.lower()]
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
    if fmt == "md":  # Markdown viewers render raw HTML: a <script> in a note must stay text
        report = map_note_text(report, _no_tags)
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
        detail = _scrub(str(e), env, name)
        raise InputError(f"template {name}{where}: {type(e).__name__}: {detail}", "Fix the template.") from None
    except (ArithmeticError, MemoryError, RecursionError, TypeError, ValueError, LookupError) as e:
        # `range(10**8)`, a string times a number, a filter given the wrong thing: the template's fault,
        # told without the exception's text (it can quote the report, which holds note text).
        line = _template_line(e.__traceback__, name)
        where = f" line {line}" if line else ""
        raise InputError(f"template {name}{where}: {type(e).__name__} while rendering.", "Fix the template.") from None


def _no_tags(text: str) -> str:
    """'<script>' -> '&lt;script>' (shown as written by Markdown viewers); 'BP < 120' stays as it is."""
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)


def _scrub(message: str, env: SandboxedEnvironment, name: str) -> str:
    """A Jinja message with every quoted part that is not in the template's own source cut out:
    `'Section object' has no attribute '<note text>'` must not reach stderr."""
    try:
        source = env.loader.get_source(env, name)[0] if env.loader else ""
    except jinja2.TemplateNotFound:
        source = ""
    def one(match: re.Match[str]) -> str:
        quoted = match.group(1)
        return match.group() if quoted in source or re.fullmatch(r"[\w.]+ object", quoted) else "'…'"

    return re.sub(r"'([^']*)'", one, message).rstrip(".") + "."


def _template_line(tb: TracebackType | None, name: str) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


