"""Export a run directory as a standalone model: LoRA merged into the base (--merge), or copied as is."""

from __future__ import annotations

import shutil
from pathlib import Path

from reportgen.errors import InputError, UsageError
from reportgen.generation.card import read_card, write_card
from reportgen.generation.model import load_model
from reportgen.training.trainer import CHECKPOINTS


def export(run: Path, output: Path, merge: bool, trust_remote_code: bool = False, overwrite: bool = False) -> str:
    """Write the model of `run` to `output`; returns the exported method ('merged', 'lora' or 'full')."""
    if output.resolve() == run.resolve() or output.resolve().is_relative_to(run.resolve()):
        raise UsageError(f"output {output} is the run folder {run} or inside it.", "Export to another folder.")
    card = read_card(run) if run.is_dir() else None
    if card is None:
        raise InputError(f"{run} is not a reportgen run directory (no reportgen-card.json).", "Pass the --output of `reportgen train`.")
    if output.exists() and any(output.iterdir()) and not overwrite:
        raise UsageError(f"output {output} is not empty.", "Choose a new folder or pass --force.")
    output.mkdir(parents=True, exist_ok=True)
    if not merge or card.method != "lora":
        shutil.copytree(run, output, ignore=shutil.ignore_patterns(CHECKPOINTS), dirs_exist_ok=True)
        return card.method
    loaded = load_model(str(run), trust_remote_code, dtype="auto")  # keep the base model's dtype (bf16 stays bf16)
    merged = loaded.model.merge_and_unload()
    merged.save_pretrained(str(output))
    loaded.tokenizer.save_pretrained(str(output))
    write_card(output, card.model_copy(update={"method": "merged"}))
    return "merged"
