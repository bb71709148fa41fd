"""The dense side of hybrid retrieval: sentence vectors (`encoder.py`) of every term
(title + inclusion terms), computed when the index is built and stored beside it, and a
nearest-neighbour search over them with one matrix product.

A search must stay within a few milliseconds on one core. A scan of all 384 dimensions of
~60,000 terms reads 90 MB of float32 per query (memory-bound: 8-10 ms), so the vectors are
rotated at build time onto their principal directions (an orthonormal rotation: dot
products are unchanged) and a query scans only the leading 128 (a 30 MB block that stays
in the CPU cache, ~1 ms), then re-scores the best 400 with all 384: the neighbours of the
full scan (top-10 overlap 0.999, top-100 0.994, over 259 clinical queries). Terms are
grouped by system so a system filter scans one contiguous block (picking a system's rows
out of the matrix copied ~70 MB per query: why searches restricted to ICD-10-CM were
twice as slow as unrestricted ones).

Stored beside the index: the rotated vectors as float16 (`vectors.npy`), their leading
directions as float32 (`vectors-coarse.npy`, the block every query scans), the rotation
(`vector-rotation.npy`) and the terms they belong to (`vector-terms.json`). The two matrices
are memory-mapped, not read: reading them and converting the coarse block cost 0.18 s of
every `terms search` start; mapped, a query touches the 30 MB block and 400 rows.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import groupby
from pathlib import Path

import numpy as np

from reportgen.errors import RuntimeFailure
from reportgen.files import atomic_write
from reportgen.terminology.encoder import Encoder
from reportgen.terminology.terms import VECTORS_FILE, Corpus, Hit, Term

COARSE_FILE = "vectors-coarse.npy"
TERMS_FILE = "vector-terms.json"
TERM_FIELDS = ("system", "code", "title", "billable")  # the columns of TERMS_FILE
ROTATION_FILE = "vector-rotation.npy"
FILES = (VECTORS_FILE, COARSE_FILE, ROTATION_FILE, TERMS_FILE)  # everything the dense side stores beside an index
COARSE = 128  # leading principal directions every query scans (of 384)
CANDIDATES = 400  # best rows of that scan re-scored with all 384 dimensions
MAX_SYNONYMS = 1  # inclusion terms added to a title for its vector (each costs build time)


@dataclass
class Dense:
    """What the dense side of a search needs: the encoder for queries, the vectors of the terms."""

    encoder: Encoder
    vectors: Vectors

    def search(self, text: str, k: int, system: str | None = None) -> list[Hit]:
        return self.vectors.nearest(self.encoder.query(text), k, system)


def term_text(term: Term) -> str:
    """What a term's vector encodes: its title and first inclusion terms."""
    return "; ".join([term.title, *term.synonyms[:MAX_SYNONYMS]])


@dataclass
class Vectors:
    """Term vectors, rotated onto their principal directions, and the terms they belong to (grouped by system)."""

    matrix: np.ndarray  # (terms, 384) unit length, rotated; float16 as stored
    rotation: np.ndarray  # (384, 384) float32, orthonormal: a query vector @ rotation is in the matrix's basis
    terms: list[tuple[str, str, str, bool | None]]  # system, code, title, billable
    coarse: np.ndarray | None = None  # (terms, COARSE) float32: the matrix's leading directions, stored or derived

    @classmethod
    def build(cls, corpora: Sequence[Corpus], encoder: Encoder, progress: Callable[[int], None] | None = None) -> Vectors:
        """`progress(n)`: n more terms have their vector."""
        terms = [t for corpus in corpora for t in corpus.terms]
        texts = [term_text(t) for t in terms]
        shared = Counter(texts)  # a category and its ".9" code often share a title: encode it once
        unique = list(shared)
        row = {text: i for i, text in enumerate(unique)}
        done = (lambda rows: progress(sum(shared[unique[i]] for i in rows))) if progress else None
        matrix = encoder.encode(unique, done)[[row[text] for text in texts]]
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
        """Each file written atomically, VECTORS_FILE last: its presence says the others are there."""
        folder.mkdir(parents=True, exist_ok=True)
        columns = {name: [t[i] for t in self.terms] for i, name in enumerate(TERM_FIELDS)}  # parsed 3x faster than rows
        atomic_write(folder / TERMS_FILE, json.dumps(columns))
        for name, array in ((COARSE_FILE, self._coarse), (ROTATION_FILE, self.rotation), (VECTORS_FILE, self.matrix.astype(np.float16))):
            buffer = io.BytesIO()
            np.save(buffer, array)
            atomic_write(folder / name, buffer.getvalue())

    @classmethod
    def load(cls, folder: Path) -> Vectors | None:
        """The vectors stored in `folder`, or None if it has none (built without them)."""
        if not (folder / VECTORS_FILE).exists():
            return None
        try:
            matrix = np.load(folder / VECTORS_FILE, mmap_mode="r")
            coarse = np.load(folder / COARSE_FILE, mmap_mode="r") if (folder / COARSE_FILE).exists() else None  # older index: derived
            rotation = np.load(folder / ROTATION_FILE).astype(np.float32)
            stored = json.loads((folder / TERMS_FILE).read_text(encoding="utf-8"))
            if isinstance(stored, dict):
                terms = list(zip(*(stored[name] for name in TERM_FIELDS), strict=True))
            else:  # an index built by an older reportgen: one row per term
                terms = [tuple(t) for t in stored]
        except (OSError, ValueError, KeyError, TypeError):
            raise RuntimeFailure(f"the term vectors in {folder} are corrupt.", "Run `reportgen terms index` to rebuild them.") from None
        complete = coarse is None or coarse.shape == (len(matrix), COARSE)
        if len(terms) != len(matrix) or rotation.shape != (matrix.shape[1],) * 2 or not complete:
            raise RuntimeFailure(f"the term vectors in {folder} are incomplete.", "Run `reportgen terms index` to rebuild them.")
        return cls(matrix, rotation, terms, coarse)

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
        if self.coarse is not None:
            return self.coarse
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
