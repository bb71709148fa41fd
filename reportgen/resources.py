"""Where the shipped templates, corpora and training recipes live.

In a checkout (or an editable install) they are the top-level `templates/`,
`corpora/` and `training/recipes/` folders; a wheel carries them as
`reportgen/_data/templates`, `_data/corpora` and `_data/recipes`
(pyproject.toml, `force-include`).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(packaged: str, checkout: str) -> Path:
    for candidate in (_PACKAGE / "_data" / packaged, _PACKAGE.parent / checkout):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"reportgen's shipped '{packaged}' folder is missing; reinstall reportgen")


def templates_dir() -> Path:
    return _shipped("templates", "templates")


def corpora_dir() -> Path:
    return _shipped("corpora", "corpora")


def recipes_dir() -> Path:
    return _shipped("recipes", "training/recipes")


def shipped_model(name: str) -> Path:
    """A model trained by the project and shipped inside the package (reportgen/models/)."""
    return _PACKAGE / "models" / f"{name}.safetensors"
