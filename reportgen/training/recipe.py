"""Training recipes: small typed TOML files (training/recipes/*.toml), overridable from the command line."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reportgen.config import TrainMethod
from reportgen.errors import InputError, UsageError
from reportgen.resources import recipes_dir


class LoraRecipe(BaseModel):
    model_config = ConfigDict(extra="forbid")

    r: int = Field(16, gt=0, description="Rank of the update matrices.")
    alpha: int = Field(32, gt=0, description="Scaling: the update is multiplied by alpha / r.")
    dropout: float = Field(0.05, ge=0.0, lt=1.0)
    target_modules: list[str] | Literal["all-linear"] = Field(
        "all-linear", description="Modules to adapt; 'all-linear' = every linear layer but the output head."
    )
    by_architecture: dict[str, list[str]] = Field(
        default_factory=dict, description="Target modules for a model type (config.model_type), e.g. qwen2 = [...]."
    )

    def targets(self, model_type: str) -> list[str] | str:
        return self.by_architecture.get(model_type, self.target_modules)


class Recipe(BaseModel):
    """Everything a training run needs besides the data and the base model."""

    model_config = ConfigDict(extra="forbid")

    name: str = "custom"
    method: TrainMethod = Field("lora", description="LoRA adapter (default) or full fine-tuning.")
    lora: LoraRecipe = Field(default_factory=LoraRecipe)
    max_length: int = Field(2048, gt=16, description="Longest example (prompt + completion) in tokens.")
    overlong: Literal["truncate", "skip"] = Field(
        "truncate", description="Over-long examples: shorten the note in the prompt, or leave the example out."
    )
    epochs: float = Field(3.0, gt=0)
    max_steps: int = Field(-1, description="Stop after this many optimizer steps (-1: run all epochs).")
    learning_rate: float = Field(2e-4, gt=0)
    lr_scheduler: str = "cosine"
    warmup_steps: float = Field(0.03, ge=0, description="Linear warm-up: steps, or a share of all steps if below 1.")
    weight_decay: float = Field(0.0, ge=0)
    batch_size: int = Field(1, gt=0, description="Examples per device per step.")
    gradient_accumulation_steps: int = Field(8, gt=0)
    gradient_checkpointing: bool = Field(True, description="Trade compute for memory on GPUs (always off on CPU).")
    packing: bool = Field(False, description="Pack several examples into one max_length sequence (TRL bfd).")
    padding_free: bool = Field(False, description="Flatten a batch without padding (TRL; best with FlashAttention).")
    eval_fraction: float = Field(0.1, ge=0, lt=1, description="Share of pairs held out for eval loss.")
    eval_steps: int = Field(50, gt=0, description="Evaluate (and checkpoint) every this many steps.")
    early_stopping_patience: int = Field(3, ge=0, description="Stop after this many evals without improvement (0: off).")
    save_total_limit: int = Field(2, gt=0, description="Checkpoints kept.")
    logging_steps: int = Field(10, gt=0)
    seed: int = 42


def load_recipe(name_or_path: str | Path | None, overrides: dict[str, Any] | None = None) -> Recipe:
    """A recipe (a shipped name or a file; None = the built-in LoRA defaults) with dotted overrides on top ('lora.r': 8)."""
    data: dict[str, Any] = {}
    if name_or_path is not None:
        path = find_recipe(str(name_or_path))
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"recipe {path} does not exist.", f"See {recipes_dir()} for the shipped recipes.") from None
        except tomllib.TOMLDecodeError as e:
            raise InputError(f"recipe {path} is not valid TOML ({e}).", "Fix the file.") from None
    for dotted, value in (overrides or {}).items():
        *parents, leaf = dotted.split(".")
        target = data
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    try:
        return Recipe.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"invalid recipe value '{where}': {first['msg']}.", "Fix the recipe file or the --set override.") from None


def parse_override(item: str) -> tuple[str, Any]:
    """'lora.r=8' -> ('lora.r', 8): the value is read as TOML, else kept as a string."""
    key, eq, raw = item.partition("=")
    if not eq or not key.strip():
        raise UsageError(f"--set '{item}' is not KEY=VALUE.", "Example: --set lora.r=8 --set epochs=1")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.strip(), value


def find_recipe(name_or_path: str) -> Path:
    """A shipped recipe by name ('tiny-cpu', see training/recipes/) or a TOML file path."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.is_file():
        return candidate  # load_recipe says so if it does not exist
    shipped = recipes_dir() / f"{name_or_path}.toml"
    if shipped.is_file():
        return shipped
    names = sorted(p.stem for p in recipes_dir().glob("*.toml"))
    raise InputError(f"no recipe named '{name_or_path}'.", f"Shipped recipes: {', '.join(names)}; or pass a .toml path.")
