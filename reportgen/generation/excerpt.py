"""The whole-dialogue part of the model-free generator: is a transcript a full
visit, or an excerpt about one report section (and which)?

MTS-Dialog's dialogues are excerpts ("do you smoke?" ... -> SOCIAL HISTORY);
ACI-Bench's are full visits. The sentence tagger (`generation.tagger`) sorts
the sentences of a full visit; an excerpt is written under the one section
this classifier picks. A linear model (multinomial logistic regression) over
TF-IDF of the dialogue's word uni- and bigrams plus a length bucket, trained
with the tagger by `reportgen train --method extractive` on the training
pairs themselves: a pair whose report has one section is an excerpt of that
section, one with two or more is a full visit (`FULL`). Weights live in the
tagger's safetensors file; inference is a sparse dot product in numpy.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reportgen.generation.dialogue import Sentence

FULL = "full visit"
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[?]")


def terms(items: Sequence[Sentence]) -> Counter[str]:
    """Term counts of a dialogue: word uni- and bigrams within sentences, and a length bucket
    (log2 of the sentence count), which is what tells a full visit from an excerpt."""
    counts: Counter[str] = Counter()
    for sentence in items:
        words = _TOKEN.findall(sentence.text.lower())
        counts.update(words)
        counts.update(f"{a} {b}" for a, b in zip(words, words[1:]))
    counts[f"<length {int(math.log2(len(items) + 1))}>"] = 1
    return counts


@dataclass
class ExcerptClassifier:
    classes: list[str]  # section ids and FULL
    vocabulary: dict[str, int]
    idf: np.ndarray  # (terms,)
    weight: np.ndarray  # (classes, terms)
    bias: np.ndarray  # (classes,)

    def probabilities(self, counts: Counter[str]) -> np.ndarray:
        """(classes,) probabilities for one dialogue's `terms`."""
        indices, values = _row(counts, self.vocabulary, self.idf)
        scores = self.weight[:, indices] @ values + self.bias
        exp = np.exp(scores - scores.max())
        return exp / exp.sum()

    def section(self, items: Sequence[Sentence]) -> str | None:
        """The one section an excerpt is about; None for a full visit."""
        label = self.classes[int(self.probabilities(terms(items)).argmax())]
        return None if label == FULL else label


def _row(counts: Counter[str], vocabulary: dict[str, int], idf: np.ndarray) -> tuple[list[int], np.ndarray]:
    """The dialogue's sparse TF-IDF vector (sublinear TF, L2-normalised): term indices and values."""
    indices = [i for term in counts if (i := vocabulary.get(term)) is not None]
    values = np.array([(1.0 + math.log(counts[term])) for term in counts if term in vocabulary], dtype=np.float32)
    values *= idf[indices]
    norm = float(np.linalg.norm(values))
    return indices, values / norm if norm else values


def fit(dialogues: list[Counter[str]], labels: list[str], c: float, min_df: int = 2) -> ExcerptClassifier:
    """Multinomial logistic regression (scikit-learn, L-BFGS, inverse regularisation `c`, classes weighted
    inversely to their frequency so rare sections are not swamped) over terms in >= `min_df` dialogues."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    df = Counter(term for counts in dialogues for term in counts)
    vocab = {t: i for i, t in enumerate(sorted(t for t, n in df.items() if n >= min_df))}
    idf = np.array([math.log((1 + len(dialogues)) / (1 + df[t])) + 1.0 for t in sorted(vocab, key=vocab.__getitem__)],
                   dtype=np.float32)
    rows = [_row(counts, vocab, idf) for counts in dialogues]
    x = csr_matrix((np.concatenate([v for _, v in rows]), np.concatenate([np.array(i, dtype=np.int64) for i, _ in rows]),
                    np.cumsum([0] + [len(i) for i, _ in rows])), shape=(len(rows), len(vocab)))
    learner = LogisticRegression(C=c, max_iter=1000, class_weight="balanced").fit(x, labels)
    classes = [str(k) for k in learner.classes_]
    weight, bias = learner.coef_, learner.intercept_
    if len(classes) == 2:  # binary: sklearn keeps one row; expand to one per class
        weight, bias = np.vstack([-weight[0] / 2, weight[0] / 2]), np.array([-bias[0] / 2, bias[0] / 2])
    return ExcerptClassifier(classes, vocab, idf, weight.astype(np.float32), bias.astype(np.float32))
