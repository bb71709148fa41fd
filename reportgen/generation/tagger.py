"""The learned part of the model-free generator: for each sentence of a note,
which report section it belongs to, or none (talk the report does not use).

A linear model over sparse features of the sentence and its neighbours
(word uni- and bigrams, the speaker, the neighbouring sentences' words, the
position in the note) and, where the model has them, the static word vectors
of the sentence and its neighbours (`generation.wordvectors`). Weights,
vocabulary and word vectors live in one safetensors file
(no pickle): `TaggerModel.save` / `TaggerModel.load`. Inference is a sparse
dot product in numpy; scikit-learn is needed only to train.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, repeat
from pathlib import Path

import numpy as np

from reportgen.errors import RuntimeFailure
from reportgen.generation.align import NONE
from reportgen.generation.dialogue import Sentence, words
from reportgen.generation.excerpt import ExcerptClassifier
from reportgen.generation.segment import Segmenter
from reportgen.generation.wordvectors import DIM, WordVectors

FORMAT = "reportgen-extractive-tagger/1"
REBUILD = "Rebuild it with `reportgen train --method extractive --data PAIRS.jsonl -o FILE` (see training/README.md)."


def features(items: Sequence[Sentence], tokens: list[list[str]] | None = None) -> list[dict[str, float]]:
    """Sparse features of every sentence, in context (`tokens`: `words(items)`, if already split)."""
    tokens = words(items) if tokens is None else tokens
    n = len(items)
    rows = []
    for i, sentence in enumerate(items):
        row: dict[str, float] = {"bias": 1.0, f"spk={sentence.speaker}": 1.0, f"pos={int(10 * i / max(n, 1))}": 1.0}
        said = tokens[i]
        row[f"len={min(len(said), 12) // 3}"] = 1.0
        _add(row, "w", said)
        _add(row, "b", [f"{a}_{b}" for a, b in zip(said, said[1:])])
        if said:
            row[f"first={said[0]}"] = 1.0
        for offset, prefix in ((-1, "p"), (1, "n"), (-2, "pp")):
            j = i + offset
            if 0 <= j < n:
                _add(row, prefix, tokens[j], weight=0.5)
                row[f"{prefix}spk={items[j].speaker}"] = 1.0
        rows.append(row)
    return rows


def _add(row: dict[str, float], prefix: str, words: list[str], weight: float = 1.0) -> None:
    if not words:
        return
    share = weight / len(words) ** 0.5
    for word in words:
        key = f"{prefix}:{word}"
        row[key] = row.get(key, 0.0) + share


@dataclass
class TaggerModel:
    classes: list[str]  # section ids and NONE
    vocabulary: dict[str, int]
    weight: np.ndarray  # (classes, features): the vocabulary's, then the word vectors' (if any)
    bias: np.ndarray  # (classes,)
    info: dict  # training data summary, chosen threshold and cross-validation figures, written into the file
    sha256: str = ""  # of the file it was loaded from
    excerpt: ExcerptClassifier | None = None  # full visit or one-section excerpt; None if training had no excerpts
    segmenter: Segmenter | None = None  # cuts long unpunctuated turns; None in files written before it
    vectors: WordVectors | None = None  # None: words only (trained without the sentence encoder, or before it)

    @property
    def threshold(self) -> float:
        """A sentence is report content when P(none) is at most this (chosen by cross-validation in training)."""
        return float(self.info.get("content_threshold", 0.5))

    @property
    def division_floor(self) -> float | None:
        """P(section) a left-out sentence needs to fill a division the tagger left empty (None: never)."""
        floor = self.info.get("division_floor")
        return None if floor is None else float(floor)

    @property
    def prior_power(self) -> float:
        """How strongly a sentence's section is weighed against how common the section was in training
        (chosen by cross-validation in training; 0: the most probable section)."""
        return float(self.info.get("prior_power", 0.0))

    def section_scores(self, probabilities: np.ndarray) -> np.ndarray:
        """(sentences, classes) scores whose argmax is each sentence's section, never NONE:
        P(section) / P_train(section) ** prior_power. The history of present illness holds most training
        sentences, so without this the short sections (exam, results, assessment) lose sentences to it."""
        counts = self.info.get("labels", {})
        total = sum(counts.values()) or 1
        prior = np.array([max(counts.get(c, 0), 1) / total for c in self.classes])
        scores = probabilities / prior ** self.prior_power
        scores[:, self.classes.index(NONE)] = -1.0
        return scores

    def probabilities(self, items: Sequence[Sentence]) -> np.ndarray:
        """(sentences, classes) class probabilities."""
        if not items:
            return np.zeros((0, len(self.classes)))
        tokens = words(items)
        scores = matrix(features(items, tokens), self.vocabulary) @ self._word_weight + self.bias
        if self.vectors is not None:
            scores += self.vectors.sentences(tokens) @ self._vector_weight
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    @cached_property
    def _word_weight(self) -> np.ndarray:
        """(features, classes) of the vocabulary, contiguous: a column slice of `weight` per call would copy it."""
        return np.ascontiguousarray(self.weight[:, : len(self.vocabulary)].T)

    @cached_property
    def _vector_weight(self) -> np.ndarray:
        return np.ascontiguousarray(self.weight[:, len(self.vocabulary) :].T)

    def save(self, path: Path) -> None:
        from safetensors.numpy import save_file

        from reportgen.files import atomic_write

        vocab = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        metadata = {"format": FORMAT, "classes": json.dumps(self.classes), "vocabulary": json.dumps(vocab),
                    "info": json.dumps(self.info)}
        tensors: dict[str, np.ndarray] = {"weight": self.weight.astype(np.float16), "bias": self.bias.astype(np.float32)}
        if self.vectors is not None:
            metadata["vector_words"] = json.dumps(sorted(self.vectors.words, key=self.vectors.words.__getitem__))
            tensors["word_vectors"] = self.vectors.table.astype(np.float16)
        if self.segmenter is not None:
            metadata["segmenter"] = json.dumps(self.segmenter.to_json(), sort_keys=True)
        if self.excerpt is not None:
            e = self.excerpt
            metadata["excerpt_classes"] = json.dumps(e.classes)
            metadata["excerpt_vocabulary"] = json.dumps(sorted(e.vocabulary, key=e.vocabulary.__getitem__))
            tensors |= {"excerpt_weight": e.weight.astype(np.float16), "excerpt_bias": e.bias.astype(np.float32),
                        "excerpt_idf": e.idf.astype(np.float32)}
            if e.section_classes is not None and e.section_weight is not None and e.section_bias is not None:
                metadata["excerpt_section_classes"] = json.dumps(e.section_classes)
                tensors |= {"excerpt_section_weight": e.section_weight.astype(np.float16),
                            "excerpt_section_bias": e.section_bias.astype(np.float32)}
        tmp = path.with_name(path.name + ".tmp")
        # safetensors writes the raw buffer: a Fortran-ordered array (scikit-learn's L-BFGS coef_) would be saved transposed
        save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(tmp), metadata)
        atomic_write(path, _canonical(tmp.read_bytes()))
        tmp.unlink()

    @classmethod
    def load(cls, path: Path) -> TaggerModel:
        from safetensors import SafetensorError, safe_open

        if not path.is_file():
            raise RuntimeFailure(f"extractive generator model {path} does not exist.", REBUILD)
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            with safe_open(str(path), framework="numpy") as f:
                metadata = f.metadata() or {}
                if metadata.get("format") != FORMAT:
                    raise RuntimeFailure(f"{path} is not a {FORMAT} model (format {metadata.get('format')!r}).", REBUILD)
                weight, bias = f.get_tensor("weight").astype(np.float32), f.get_tensor("bias")
                excerpt = None
                if "excerpt_classes" in metadata:  # files written before the excerpt classifier have none
                    excerpt = ExcerptClassifier(
                        json.loads(metadata["excerpt_classes"]),
                        {k: i for i, k in enumerate(json.loads(metadata["excerpt_vocabulary"]))},
                        f.get_tensor("excerpt_idf"), f.get_tensor("excerpt_weight").astype(np.float32),
                        f.get_tensor("excerpt_bias"))
                    if "excerpt_section_classes" in metadata:  # files written before the sentence-vector model have none
                        excerpt.section_classes = json.loads(metadata["excerpt_section_classes"])
                        excerpt.section_weight = f.get_tensor("excerpt_section_weight").astype(np.float32)
                        excerpt.section_bias = f.get_tensor("excerpt_section_bias")
                vectors = None
                if "vector_words" in metadata:  # files written before the word vectors, or without the encoder, have none
                    vectors = WordVectors({w: i for i, w in enumerate(json.loads(metadata["vector_words"]))},
                                          f.get_tensor("word_vectors").astype(np.float32))
            classes = json.loads(metadata["classes"])
            vocab = json.loads(metadata["vocabulary"])
            info = json.loads(metadata.get("info", "{}"))
            segmenter = Segmenter.from_json(json.loads(metadata["segmenter"])) if "segmenter" in metadata else None
        except (SafetensorError, OSError, KeyError, ValueError, TypeError) as e:
            raise RuntimeFailure(f"extractive generator model {path} is unreadable ({type(e).__name__}).", REBUILD) from None
        width = len(vocab) + (vectors.width if vectors is not None else 0)
        if (weight.shape != (len(classes), width) or bias.shape != (len(classes),) or NONE not in classes
                or (excerpt is not None and not _excerpt_consistent(excerpt))
                or (vectors is not None and vectors.table.shape != (len(vectors.words), DIM))):
            raise RuntimeFailure(f"extractive generator model {path} is inconsistent (shapes do not match).", REBUILD)
        return cls(classes, {k: i for i, k in enumerate(vocab)}, weight, bias, info, digest, excerpt, segmenter, vectors)


def _excerpt_consistent(excerpt: ExcerptClassifier) -> bool:
    if excerpt.weight.shape != (len(excerpt.classes), len(excerpt.vocabulary)):
        return False
    if excerpt.section_classes is None or excerpt.section_weight is None:
        return True
    return excerpt.section_weight.shape == (len(excerpt.section_classes), len(excerpt.vocabulary) + DIM)


def _canonical(raw: bytes) -> bytes:
    """The safetensors file with its JSON header's keys sorted: safetensors writes them in hash order, which
    changes from run to run, and the file's sha256 is the model's version."""
    size = int.from_bytes(raw[:8], "little")
    header = json.dumps(json.loads(raw[8 : 8 + size]), sort_keys=True, separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)  # the tensors stay 8-byte aligned, as safetensors writes them
    return len(header).to_bytes(8, "little") + header + raw[8 + size :]


def vocabulary(rows: list[dict[str, float]], min_count: int = 2) -> dict[str, int]:
    """Features seen at least `min_count` times, numbered."""
    from collections import Counter

    counts = Counter(k for row in rows for k in row)
    return {k: i for i, k in enumerate(sorted(k for k, n in counts.items() if n >= min_count))}


def matrix(rows: list[dict[str, float]], vocab: dict[str, int]):  # -> scipy.sparse.csr_matrix
    """The rows' features in the vocabulary as a sparse matrix (features outside it dropped), built with numpy:
    a Python loop over a dialogue's ~10,000 features cost more than the rest of the tagger."""
    from scipy.sparse import csr_matrix

    ids = np.array(list(map(vocab.get, chain.from_iterable(rows), repeat(-1))), dtype=np.int64)
    values = np.array(list(chain.from_iterable(row.values() for row in rows)), dtype=np.float32)
    known = ids >= 0
    row_of = np.repeat(np.arange(len(rows)), [len(row) for row in rows])
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of[known], minlength=len(rows)), out=indptr[1:])
    return csr_matrix((values[known], ids[known], indptr), shape=(len(rows), len(vocab)), dtype=np.float32)


def fit(rows: list[dict[str, float]], labels: list[str], vectors: WordVectors | None = None,
        notes: Sequence[list[list[str]]] = (), alpha: float = 1e-4, min_count: int = 2) -> TaggerModel:
    """Logistic regression (log loss, one-vs-rest) by stochastic gradient descent (scikit-learn), over the
    features seen at least `min_count` times and, with `vectors`, the word vectors of the sentences (`notes`: each
    note's sentences' `words`, in the rows' order; a sentence's neighbours are its note's). Deterministic (fixed seed,
    fixed epochs)."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import SGDClassifier

    vocab = vocabulary(rows, min_count)
    x = matrix(rows, vocab)
    if vectors is not None:  # the model keeps `vectors`: its weights must cover them
        x = hstack([x, csr_matrix(np.vstack([vectors.sentences(note) for note in notes]))]).tocsr()
    learner = SGDClassifier(loss="log_loss", alpha=alpha, max_iter=30, tol=None, random_state=0)
    learner.fit(x, labels)
    classes = [str(x) for x in learner.classes_]
    weight, bias = learner.coef_, learner.intercept_
    if len(classes) == 2:  # binary: sklearn keeps one row; expand to one per class
        weight, bias = np.vstack([-weight[0] / 2, weight[0] / 2]), np.array([-bias[0] / 2, bias[0] / 2])
    return TaggerModel(classes, vocab, weight.astype(np.float32), bias.astype(np.float32), {}, vectors=vectors)
