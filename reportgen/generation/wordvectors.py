"""Static word vectors: what the sentence tagger reads of a sentence's meaning beside its words.

Each training word's all-MiniLM-L6-v2 vector (the word encoded on its own, as model2vec distils a sentence
encoder into a table), weighted by the word's inverse frequency in training; a sentence's vector is the
normalised mean of its words', and the tagger also reads the mean of its two neighbours'. So "potassium is
3.9" and "cholesterol was 222" look alike even when only one of the two was in training.

Why a table and not the encoder: the encoder reads a sentence in ~3 ms on one CPU core, ~340 ms for a
visit's ~110 sentences against generation's 50 ms budget; the table reads one in microseconds. The training
command's 3-fold cross-validation over ACI-Bench train (full visits; full-note / mean division ROUGE-1 of the
drafts at the same threshold 0.7 and prior power 0.8): words only 0.490 / 0.370, with the table 0.495 / 0.377.
The encoder run on every sentence gained no more in a throwaway run on an older label cache (0.488 / 0.364 ->
0.495 / 0.375).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from reportgen.terminology.encoder import Encoder

DIM = 384  # all-MiniLM-L6-v2
CONTEXT = 0.5  # the neighbours' mean vector beside the sentence's own (cross-validated against 1.0)
MIN_COUNT = 2  # words seen fewer times in training get no vector


@dataclass
class WordVectors:
    words: dict[str, int]
    table: np.ndarray  # (words, DIM): each word's unit vector times its inverse document frequency

    @property
    def width(self) -> int:
        """Features per sentence: its own vector and its neighbours' mean."""
        return 2 * DIM

    def sentences(self, tokens: Sequence[Sequence[str]]) -> np.ndarray:
        """(sentences, width) features of consecutive sentences, given as their words."""
        from scipy.sparse import csr_matrix

        rows = [[self.words[w] for w in words if w in self.words] for words in tokens]
        shares = [1.0 / len(row) for row in rows for _ in row]
        mean = csr_matrix((shares, [i for row in rows for i in row], np.cumsum([0] + [len(row) for row in rows])),
                          shape=(len(rows), len(self.words)), dtype=np.float32) @ self.table
        norm = np.linalg.norm(mean, axis=1, keepdims=True)
        own = np.divide(mean, norm, out=np.zeros_like(mean), where=norm > 0)
        around = np.zeros_like(own)
        around[1:] += own[:-1]
        around[:-1] += own[1:]
        return np.hstack([own, CONTEXT * around / 2])


def build(tokens: Iterable[Sequence[str]], encoder: Encoder) -> WordVectors:
    """The table for the words of the training sentences (`tokens`: each sentence's words)."""
    counts = Counter(w for words in tokens for w in words)
    words = sorted(w for w, n in counts.items() if n >= MIN_COUNT)
    idf = np.log(sum(counts.values()) / np.array([counts[w] for w in words], dtype=np.float64))
    table = encoder.encode(words) * idf[:, None] if words else np.zeros((0, DIM))
    return WordVectors({w: i for i, w in enumerate(words)}, table.astype(np.float32))
