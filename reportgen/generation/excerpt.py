"""The whole-dialogue part of the model-free generator: is a transcript a full
visit, or an excerpt about one report section (and which)?

MTS-Dialog's dialogues are excerpts ("do you smoke?" ... -> SOCIAL HISTORY);
ACI-Bench's are full visits. The sentence tagger (`generation.tagger`) sorts
the sentences of a full visit; an excerpt is written under the one section
this classifier picks. Two linear models (multinomial logistic regression),
trained with the tagger by `reportgen train --method extractive` on the training
pairs themselves (a pair whose report has one section is an excerpt of that
section, one with two or more is a full visit, `FULL`):
- over TF-IDF of the dialogue's word uni- and bigrams plus a length bucket:
  full visit or excerpt (and the section, when there is no sentence encoder);
- over the same TF-IDF and the dialogue's all-MiniLM-L6-v2 vector (its first
  256 word pieces; `terminology.encoder`): an excerpt's section.
  Only excerpts pay for the encoder, so a full visit's generation stays fast; without
  the encoder installed (`reportgen[terms]`) the first model's section is used.
Weights live in the tagger's safetensors file; inference is a dot product in numpy.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from reportgen.generation.dialogue import Sentence, words

if TYPE_CHECKING:
    from reportgen.terminology.encoder import Encoder

FULL = "full visit"
# The sentence vector's scale beside the unit-length TF-IDF row; 5-fold cross-validation on MTS-Dialog
# train + ACI-Bench train (two seeds): accuracy 0.819 / 0.827 / 0.826 at 0.25 / 0.5 / 1 (words alone: 0.802).
VECTOR_WEIGHT = 0.5
# A full visit's part about one section (`parts`) beside a real excerpt in the section model's training:
# full visits hold the results, exam and review-of-systems talk that excerpts seldom cover (MTS-Dialog train
# has 8 results excerpts). 5-fold cross-validation on MTS-Dialog train + ACI-Bench train (five seeds): accuracy
# 0.815 / 0.818 / 0.813 / 0.813 at weight 0 / 0.15 / 0.3 / 0.6; mean recall over sections 0.58 -> 0.63 at 0.15.
# An excerpt's own summary joins them at the same weight (the written form of its section): 5-fold stratified
# cross-validation, three seeds, each seed better: accuracy 0.807 -> 0.814 (0.810 at weight 0.3), mean recall over
# sections 0.614 -> 0.642; with the full notes' sections too, no better (3-fold: 0.801-0.802 against 0.805).
PART_WEIGHT = 0.15
ENCODER_TOKENS = 256  # word pieces of the dialogue the encoder reads (an excerpt is seldom longer)


def terms(items: Sequence[Sentence]) -> Counter[str]:
    """Term counts of a dialogue: word uni- and bigrams within sentences, and a length bucket
    (log2 of the sentence count), which is what tells a full visit from an excerpt."""
    counts: Counter[str] = Counter()
    for said in words(items):
        counts.update(said)
        counts.update(f"{a} {b}" for a, b in zip(said, said[1:]))
    counts[f"<length {int(math.log2(len(items) + 1))}>"] = 1
    return counts


def text(items: Sequence[Sentence]) -> str:
    """What the sentence encoder reads of a dialogue: its sentences, without speakers."""
    return " ".join(sentence.text for sentence in items)


def vectors(texts: list[str]) -> np.ndarray | None:
    """(texts, 384) sentence vectors of dialogues' `text`; None when the encoder is not installed. One text
    at a time, as generation encodes them: the int8 encoder's activation scales depend on the whole batch.
    torch's `encode`, not the numpy `query` of searches: on 256 word pieces that drifts to cosine 0.997."""
    encoder = _encoder()
    return None if encoder is None else np.stack([encoder.encode([t])[0] for t in texts])


def parts(items: Sequence[Sentence], labels: Sequence[str], none: str) -> dict[str, list[Sentence]]:
    """A full visit's sentences by the section the alignment gives them (`none`: the report does not use it),
    each after the doctor's question it answers, as short dialogues about one section (two sentences or more)."""
    found: dict[str, list[Sentence]] = {}
    for i, (sentence, label) in enumerate(zip(items, labels)):
        if label == none:
            continue
        part = found.setdefault(label, [])
        if i and (asked := items[i - 1]).speaker == "doctor" and asked.text.endswith("?") and asked not in part:
            part.append(asked)
        part.append(sentence)
    return {label: part for label, part in found.items() if len(part) >= 2}


@cache
def _encoder() -> Encoder | None:
    from reportgen.terminology.encoder import installed_encoder

    return installed_encoder(ENCODER_TOKENS)


@dataclass
class ExcerptClassifier:
    classes: list[str]  # section ids and FULL
    vocabulary: dict[str, int]
    idf: np.ndarray  # (terms,)
    weight: np.ndarray  # (classes, terms)
    bias: np.ndarray  # (classes,)
    section_classes: list[str] | None = None  # section ids: the excerpt's section from words and the sentence vector
    section_weight: np.ndarray | None = None  # (section_classes, terms + 384)
    section_bias: np.ndarray | None = None  # (section_classes,)

    def probabilities(self, counts: Counter[str]) -> np.ndarray:
        """(classes,) probabilities for one dialogue's `terms` (the words-only model)."""
        indices, values = _row(counts, self.vocabulary, self.idf)
        scores = self.weight[:, indices] @ values + self.bias
        exp = np.exp(scores - scores.max())
        return exp / exp.sum()

    def label(self, counts: Counter[str], vector: np.ndarray | None) -> str:
        """FULL or the excerpt's section, for one dialogue's `terms` and sentence vector (None: words only)."""
        label = self.classes[int(self.probabilities(counts).argmax())]
        if label == FULL or vector is None or self.section_classes is None or self.section_weight is None:
            return label
        indices, values = _row(counts, self.vocabulary, self.idf)
        words = len(self.vocabulary)
        scores = self.section_weight[:, indices] @ values + self.section_weight[:, words:] @ (VECTOR_WEIGHT * vector)
        return self.section_classes[int((scores + self.section_bias).argmax())]

    def section(self, items: Sequence[Sentence]) -> str | None:
        """The one section an excerpt is about; None for a full visit."""
        counts = terms(items)
        if self.classes[int(self.probabilities(counts).argmax())] == FULL:
            return None  # decided by words alone: a full visit never waits for the encoder
        encoder = _encoder() if self.section_classes else None
        label = self.label(counts, None if encoder is None else encoder.encode([text(items)])[0])
        return None if label == FULL else label


def _row(counts: Counter[str], vocabulary: dict[str, int], idf: np.ndarray) -> tuple[list[int], np.ndarray]:
    """The dialogue's sparse TF-IDF vector (sublinear TF, L2-normalised): term indices and values."""
    indices = [i for term in counts if (i := vocabulary.get(term)) is not None]
    values = np.array([(1.0 + math.log(counts[term])) for term in counts if term in vocabulary], dtype=np.float32)
    values *= idf[indices]
    norm = float(np.linalg.norm(values))
    return indices, values / norm if norm else values


def fit(dialogues: list[Counter[str]], labels: list[str], c: float, found: np.ndarray | None = None,
        min_df: int = 2, extra: Sequence[tuple[Counter[str], np.ndarray, str]] = ()) -> ExcerptClassifier:
    """Multinomial logistic regressions (scikit-learn, L-BFGS, inverse regularisation `c`, classes weighted
    inversely to their frequency so rare sections are not swamped) over terms in >= `min_df` dialogues;
    with the dialogues' sentence `vectors` (`found`), the second model, over the excerpts and the `extra`
    (terms, vector, section) examples of the excerpts' sections (full visits' parts, excerpts' summaries),
    weighed PART_WEIGHT."""
    from scipy.sparse import csr_matrix, hstack, vstack

    df = Counter(term for counts in dialogues for term in counts)
    vocab = {t: i for i, t in enumerate(sorted(t for t, n in df.items() if n >= min_df))}
    idf = np.array([math.log((1 + len(dialogues)) / (1 + df[t])) + 1.0 for t in sorted(vocab, key=vocab.__getitem__)],
                   dtype=np.float32)
    x = _matrix([_row(counts, vocab, idf) for counts in dialogues], len(vocab))
    classes, weight, bias = _logistic(x, labels, c)
    model = ExcerptClassifier(classes, vocab, idf, weight, bias)
    excerpts = [i for i, label in enumerate(labels) if label != FULL]
    sections = Counter(labels[i] for i in excerpts)
    if found is not None and len(sections) >= 2:
        extra = [item for item in extra if item[2] in sections]
        words = _matrix([_row(counts, vocab, idf) for counts, _, _ in extra], len(vocab))
        vectors = np.vstack([found[excerpts], *[vector[None] for _, vector, _ in extra]])
        both = hstack([vstack([x[excerpts], words]), csr_matrix(VECTOR_WEIGHT * vectors)]).tocsr()
        ys = [labels[i] for i in excerpts] + [section for _, _, section in extra]
        balanced = {k: len(excerpts) / (len(sections) * n) for k, n in sections.items()}  # as class_weight="balanced"
        weights = np.array([balanced[k] for k in ys]) * np.r_[np.ones(len(excerpts)), np.full(len(extra), PART_WEIGHT)]
        model.section_classes, model.section_weight, model.section_bias = _logistic(both, ys, c, weights)
    return model


def _matrix(rows: list[tuple[list[int], np.ndarray]], width: int) -> Any:
    """`_row`s as one scipy sparse matrix."""
    from scipy.sparse import csr_matrix

    return csr_matrix((np.concatenate([v for _, v in rows] or [np.zeros(0, np.float32)]),
                       np.concatenate([np.array(i, dtype=np.int64) for i, _ in rows] or [np.zeros(0, np.int64)]),
                       np.cumsum([0] + [len(i) for i, _ in rows])), shape=(len(rows), width))


def _logistic(x: Any, labels: list[str], c: float, weights: np.ndarray | None = None) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Classes, (classes, features) weights and biases of a multinomial logistic regression, classes weighted
    inversely to their frequency unless each example's `weights` are given."""
    from sklearn.linear_model import LogisticRegression

    learner = LogisticRegression(C=c, max_iter=1000, class_weight="balanced" if weights is None else None)
    learner.fit(x, labels, sample_weight=weights)
    classes = [str(k) for k in learner.classes_]
    weight, bias = learner.coef_, learner.intercept_
    if len(classes) == 2:  # binary: sklearn keeps one row; expand to one per class
        weight, bias = np.vstack([-weight[0] / 2, weight[0] / 2]), np.array([-bias[0] / 2, bias[0] / 2])
    return classes, weight.astype(np.float32), bias.astype(np.float32)
