"""The reportgen model card: what a run directory (or exported model) was made from.

`reportgen-card.json` beside the weights, plus a human-readable README.md.
The generator reads it to find the base model of an adapter, to refuse a
model trained on another prompt format, and to stamp reports with the card's
hash (`provenance.model_version`).
"""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reportgen import __version__
from reportgen.errors import InputError
from reportgen.files import atomic_write

CARD_FILE = "reportgen-card.json"
_LIBRARIES = ("torch", "transformers", "trl", "peft", "datasets", "accelerate", "tokenizers")


class DataSummary(BaseModel):
    path: str
    sha256: str
    pairs: int
    train: int
    eval: int
    truncated: int = Field(0, description="Examples whose note was shortened to fit max_length.")
    skipped: int = Field(0, description="Examples left out (too long).")


class ExamplesUsed(BaseModel):
    """Worked examples the training prompts held (generate with the same archive and k)."""

    archive: str = Field(description="Version (metadata hash) of the example archive.")
    k: int
    max_tokens: int


class ModelCard(BaseModel):
    model_config = ConfigDict(extra="allow")

    format: str = "reportgen-model-card-1"
    base_model: str = Field(description="Directory or hub id the run started from.")
    method: str = Field(description="'lora', 'full' or 'merged'.")
    prompt_format: str
    layout: str
    deid_policy: str | None = Field(description="None = trained on text that was not de-identified.")
    terminology_index: str | None = None
    examples: ExamplesUsed | None = Field(None, description="None = trained without worked examples in the prompt.")
    data: DataSummary
    recipe: dict[str, Any]
    metrics: dict[str, float] = Field(default_factory=dict)
    libraries: dict[str, str] = Field(default_factory=dict)
    reportgen_version: str = __version__


def library_versions() -> dict[str, str]:
    found = {"reportgen": __version__}
    for name in _LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def write_card(directory: Path, card: ModelCard) -> None:
    atomic_write(directory / CARD_FILE, card.model_dump_json(indent=2) + "\n")
    atomic_write(directory / "README.md", _readme(card))


def read_card(directory: Path) -> ModelCard | None:
    """The card of a model directory, None if it has none (a plain transformers model)."""
    path = directory / CARD_FILE
    if not path.is_file():
        return None
    try:
        return ModelCard.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValidationError, UnicodeDecodeError) as e:
        raise InputError(f"model card {path} is invalid ({type(e).__name__}).", "Re-export the model or fix the file.") from None


def card_hash(directory: Path) -> str:
    """Short sha256 of the card file: the model version stamped on reports."""
    return hashlib.sha256((directory / CARD_FILE).read_bytes()).hexdigest()[:16]


def _readme(card: ModelCard) -> str:
    metrics = "\n".join(f"| {k} | {v:.4g} |" for k, v in sorted(card.metrics.items())) or "| (none) | |"
    libs = ", ".join(f"{k} {v}" for k, v in card.libraries.items())
    return f"""# reportgen model ({card.method})

Fine-tuned with `reportgen train` to write {card.layout} reports from de-identified clinical notes.
Load it with `reportgen generate --model <this directory> note.txt`.

- Base model: `{card.base_model}`
- Method: {card.method}
- Prompt format: `{card.prompt_format}` (reportgen refuses other formats)
- De-identification policy of the training data: {card.deid_policy or "none (not de-identified)"}
- Terminology index: {card.terminology_index or "none"}
- Worked examples in the prompt: {f"{card.examples.k} from archive {card.examples.archive}, up to {card.examples.max_tokens} tokens" if card.examples else "none"}
- Data: `{card.data.path}` (sha256 `{card.data.sha256[:16]}`), {card.data.pairs} pairs: {card.data.train} train, {card.data.eval} eval, {card.data.truncated} truncated, {card.data.skipped} skipped as too long
- Libraries: {libs}

| metric | value |
|---|---|
{metrics}

Machine-readable: `{CARD_FILE}` (the recipe used is in it, and in `recipe.json`).
"""
