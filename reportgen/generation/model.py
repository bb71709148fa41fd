"""The model-backed generator: a fine-tuned (or any instruct) causal LM writes the draft.

`ModelGenerator.load` accepts
- a run directory of `reportgen train` (LoRA adapter + tokenizer + reportgen card: the base model is loaded
  from the card and the adapter put on top), or its merged export,
- a plain transformers model directory,
- a hub id (from the local Hugging Face cache; offline, a missing model is a clear error).
Weights load from safetensors only and with trust_remote_code off unless the settings allow it. The prompt
is `generation.prompt.build_messages`, the one training used; a card with another prompt format is refused.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from reportgen.config import EsSettings, GenerateSettings
from reportgen.errors import InputError, RuntimeFailure, UsageError
from reportgen.generation import Draft
from reportgen.generation.card import ModelCard, card_hash, read_card
from reportgen.generation.prompt import PROMPT_FORMAT, Message, build_messages, prompt_token_ids
from reportgen.layout import Layout
from reportgen.report import Code

if TYPE_CHECKING:
    from reportgen.archive import ExampleArchive

_HUB_ID = re.compile(r"^[\w.-]+(/[\w.-]+)?$")
_ADAPTER_CONFIG = "adapter_config.json"


def pick_device() -> tuple[str, Any]:
    """(device, dtype) for this machine: CUDA (bf16 where supported), Apple MPS, else CPU in float32."""
    import torch

    if torch.cuda.is_available():
        return "cuda", torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if torch.backends.mps.is_available():
        return "mps", torch.float32
    return "cpu", torch.float32


@dataclass
class LoadedModel:
    model: Any
    tokenizer: Any
    card: ModelCard | None
    name: str
    version: str | None


def load_model(source: str, trust_remote_code: bool = False, dtype: Any = None) -> LoadedModel:
    """A run directory, merged/plain model directory or hub id -> model (adapter applied) + tokenizer + card."""
    from reportgen.generation.importing import source_hint
    from reportgen.runtime import quiet_transformers

    quiet_transformers()
    if (hint := source_hint(source)) is not None:
        raise UsageError(hint)
    path = Path(source).expanduser()
    if path.is_dir():
        card = read_card(path)
        if card is not None and card.prompt_format != PROMPT_FORMAT:
            raise UsageError(
                f"model {source} was trained with prompt format '{card.prompt_format}'; "
                f"this reportgen builds prompts in '{PROMPT_FORMAT}'.",
                "Use the reportgen version it was trained with, or retrain it.",
            )
        tokenizer = _from_pretrained("AutoTokenizer", str(path), source, trust_remote_code)
        if (path / _ADAPTER_CONFIG).is_file():
            model = _with_adapter(path, card, trust_remote_code, dtype)
        else:
            model = _from_pretrained("AutoModelForCausalLM", str(path), source, trust_remote_code, dtype=dtype)
        return LoadedModel(model, _with_chat_template(tokenizer, source), card, source, card_hash(path) if card else None)
    if not _HUB_ID.match(source) or source.startswith((".", "/", "~")):
        raise InputError(f"model directory {source} does not exist.", "Check --model / generate.model.")
    tokenizer = _from_pretrained("AutoTokenizer", source, source, trust_remote_code)
    model = _from_pretrained("AutoModelForCausalLM", source, source, trust_remote_code, dtype=dtype)
    return LoadedModel(model, _with_chat_template(tokenizer, source), None, source, None)


def _with_chat_template(tokenizer: Any, source: str) -> Any:
    """reportgen prompts with chat messages: a base model without a template is refused here, clearly."""
    if not getattr(tokenizer, "chat_template", None):
        raise UsageError(
            f"model {source} has no chat template (a base model?).",
            "Import it with one: `reportgen model import SRC --chat-template plain -o DIR`.",
        )
    return tokenizer


def _with_adapter(path: Path, card: ModelCard | None, trust_remote_code: bool, dtype: Any) -> Any:
    from peft import PeftConfig, PeftModel

    base = card.base_model if card else PeftConfig.from_pretrained(str(path)).base_model_name_or_path
    model = _from_pretrained("AutoModelForCausalLM", base, f"base model {base} of {path}", trust_remote_code, dtype=dtype)
    return PeftModel.from_pretrained(model, str(path))


def _from_pretrained(kind: str, where: str, label: str, trust_remote_code: bool, **kwargs: Any) -> Any:
    import transformers

    cls = getattr(transformers, kind)
    options: dict[str, Any] = {"trust_remote_code": trust_remote_code}
    if kind == "AutoModelForCausalLM":
        options["use_safetensors"] = True
        if kwargs.get("dtype") is not None:
            options["dtype"] = kwargs["dtype"]
    from safetensors import SafetensorError

    try:
        return cls.from_pretrained(where, **options)
    except SafetensorError:  # a truncated or corrupt model.safetensors
        raise RuntimeFailure(f"the weights of {label} are corrupt or incomplete.", "Copy or export the model again.") from None
    except OSError as e:
        if Path(where).is_dir():
            raise RuntimeFailure(
                f"cannot load {label}: {str(e).splitlines()[0][:200]}",
                "reportgen loads safetensors weights only; convert .bin weights with transformers' save_pretrained.",
            ) from None
        raise RuntimeFailure(
            f"model {label} is not available locally (not a directory, not in the Hugging Face cache, and the hub cannot be reached).",
            "Pass a model or run directory, or download it where there is internet (`hf download ID`) and copy the cache.",
        ) from None
    except ValueError as e:  # e.g. remote code required, unknown architecture
        raise RuntimeFailure(f"cannot load {label}: {str(e).splitlines()[0][:200]}", "Check the model directory.") from None


class Examples(NamedTuple):
    """Worked examples for the prompt: the archive, how many reports, and their token budget."""

    archive: ExampleArchive
    k: int
    budget: int


def open_examples(settings: GenerateSettings, es: EsSettings | None = None) -> Examples | None:
    """The worked-example set-up the settings ask for (training and inference), None = no examples.
    `es`: the connection, for an archive indexed in Elasticsearch."""
    if settings.examples is None or settings.examples_k == 0:
        return None
    from reportgen.archive import ExampleArchive

    return Examples(ExampleArchive.open(settings.examples, es), settings.examples_k, settings.examples_max_tokens)


@dataclass
class GenerationStats:
    """Totals over this generator's calls, for `reportgen evaluate`'s comparison of strategies."""

    prompts: int = 0
    prompt_tokens: int = 0
    new_tokens: int = 0
    seconds: float = 0.0

    def add(self, prompts: list[list[int]], drafts: list[Draft], seconds: float) -> None:
        self.prompts += len(prompts)
        self.prompt_tokens += sum(len(p) for p in prompts)
        self.new_tokens += sum(d.new_tokens or 0 for d in drafts)
        self.seconds += seconds


class ModelGenerator:
    """Implements the Generator protocol with a causal LM; `generate_many` batches several notes."""

    name = "model"

    def __init__(
        self,
        loaded: LoadedModel,
        max_new_tokens: int = 1024,
        temperature: float = 0.0,
        batch_size: int = 4,
        examples: Examples | None = None,
    ):
        import torch

        self.loaded = loaded
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.batch_size = batch_size
        self.examples = examples
        self.stats = GenerationStats()
        card = loaded.card
        # A model trained with worked examples in its prompts expects them: say so on every report.
        self._notes = (
            ["the model was trained with worked examples in its prompt but none are given (--examples ARCHIVE)"]
            if card is not None and card.examples is not None and examples is None
            else []
        )
        self.device = next(loaded.model.parameters()).device
        tokenizer = loaded.tokenizer
        tokenizer.padding_side = "left"  # decoder-only models continue from the right edge
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        loaded.model.eval()
        self._torch = torch

    @classmethod
    def from_settings(cls, settings: GenerateSettings, threads: int = 1, es: EsSettings | None = None) -> ModelGenerator:
        from reportgen.runtime import set_threads

        assert settings.model is not None
        set_threads(threads)
        device, dtype = pick_device()
        loaded = load_model(settings.model, settings.trust_remote_code, dtype)
        loaded.model.to(device)
        return cls(loaded, settings.max_new_tokens, settings.temperature, examples=open_examples(settings, es))

    def generate(self, note_text: str, context: list[Code], layout: Layout) -> Draft:
        return self.generate_many([(note_text, context)], layout)[0]

    def generate_many(self, notes: Sequence[tuple[str, list[Code]]], layout: Layout) -> list[Draft]:
        return self.write([build_messages(text, context, layout, self._examples(text, layout)) for text, context in notes])

    def write(self, prompts: Sequence[list[Message]]) -> list[Draft]:
        """Drafts for prompts `build_messages` made (here, or on another machine: bench/adaptation.py)."""
        drafts: list[Draft] = []
        for start in range(0, len(prompts), self.batch_size):
            drafts.extend(self._batch(prompts[start : start + self.batch_size]))
        return drafts

    def _batch(self, messages: Sequence[list[Message]]) -> list[Draft]:
        tokenizer = self.loaded.tokenizer
        prompts = [prompt_token_ids(tokenizer, m) for m in messages]
        batch = tokenizer.pad({"input_ids": prompts}, return_tensors="pt").to(self.device)
        sampling = {"do_sample": True, "temperature": self.temperature} if self.temperature > 0 else {"do_sample": False}
        start = time.perf_counter()
        with self._torch.inference_mode():
            output = self.loaded.model.generate(
                **batch, max_new_tokens=self.max_new_tokens, pad_token_id=tokenizer.pad_token_id, **sampling
            )
        new_tokens = output[:, batch["input_ids"].shape[1] :]
        drafts = [self._draft(row) for row in new_tokens.tolist()]
        self.stats.add(prompts, drafts, time.perf_counter() - start)
        return drafts

    def _examples(self, note_text: str, layout: Layout) -> list[str]:
        if self.examples is None:
            return []
        archive, k, budget = self.examples
        return archive.worked_examples(note_text, layout, self.loaded.tokenizer, k, budget)

    def _draft(self, tokens: list[int]) -> Draft:
        tokenizer = self.loaded.tokenizer
        stops = _stop_ids(self.loaded.model, tokenizer)
        ended = any(t in stops for t in tokens)
        if ended:
            tokens = tokens[: next(i for i, t in enumerate(tokens) if t in stops) + 1]
        text = tokenizer.decode(tokens, skip_special_tokens=True)
        warnings = list(self._notes)
        if not ended and len(tokens) >= self.max_new_tokens:
            warnings.append(f"the model stopped at max_new_tokens ({self.max_new_tokens}); the report may be cut off")
        if not text.strip():
            warnings.append("the model wrote nothing")
        return Draft(
            text=text,
            generator=self.name,
            model_id=self.loaded.name,
            model_version=self.loaded.version,
            prompt_format=PROMPT_FORMAT,
            warnings=warnings,
            new_tokens=len(tokens),
        )


def _stop_ids(model: Any, tokenizer: Any) -> set[int]:
    configured = getattr(model.generation_config, "eos_token_id", None)
    ids = set(configured if isinstance(configured, list) else [configured] if configured is not None else [])
    if tokenizer.eos_token_id is not None:
        ids.add(tokenizer.eos_token_id)
    return ids
