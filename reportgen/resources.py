"""Where the shipped templates and corpora live.

In a checkout (or an editable install) they are the top-level `templates/` and
`corpora/` folders; a wheel carries them as `reportgen/_data/...`.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"reportgen's shipped '{name}' folder is missing; reinstall reportgen")


def templates_dir() -> Path:
    return _shipped("templates")


def corpora_dir() -> Path:
    return _shipped("corpora")


def shipped_model(name: str) -> Path:
    """A model trained by the project and shipped inside the package (reportgen/models/)."""
    return _PACKAGE / "models" / f"{name}.safetensors"
