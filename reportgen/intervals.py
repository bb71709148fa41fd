"""95% percentile-bootstrap intervals of benchmark figures, resampling encounters.

The held-out sets are small (ACI-Bench valid: 20 encounters; MTS-Dialog valid: 100
dialogues), so a figure moves by several points with the sample. The encounter is the
unit that was sampled, so the encounter is what is resampled: its sentences, sections
and problems go together, never one at a time (they are not independent draws).
Deterministic (a fixed seed), so two runs on the same scores print the same interval.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

RESAMPLES = 2000
SEED = 0


def mean_interval(values: Sequence[float], resamples: int = RESAMPLES, seed: int = SEED) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of the mean over `resamples` draws, with replacement, of the
    per-encounter values (one value per encounter, e.g. its ROUGE-1, or 1/0 for a right/wrong header)."""
    picks = _picks(len(values), resamples, seed)
    return _percentiles(np.asarray(values, dtype=float)[picks].mean(axis=1))


def ratio_interval(numerators: Sequence[float], denominators: Sequence[float],
                   resamples: int = RESAMPLES, seed: int = SEED) -> tuple[float, float]:
    """The interval of sum(numerators) / sum(denominators), the pooled ratio a precision or recall over
    encounters is (sum correct / sum listed): each encounter's pair is drawn together. A draw whose
    denominators sum to 0 has no ratio and is left out."""
    if len(numerators) != len(denominators):
        raise ValueError(f"{len(numerators)} numerators for {len(denominators)} denominators")
    if len(denominators) and not sum(denominators):
        raise ValueError("no ratio: the denominators sum to 0")
    picks = _picks(len(numerators), resamples, seed)
    tops = np.asarray(numerators, dtype=float)[picks].sum(axis=1)
    bottoms = np.asarray(denominators, dtype=float)[picks].sum(axis=1)
    return _percentiles(tops[bottoms > 0] / bottoms[bottoms > 0])


def _picks(units: int, resamples: int, seed: int) -> np.ndarray:
    """Indices of `resamples` draws of `units` encounters with replacement, one draw a row."""
    if units == 0:
        raise ValueError("no interval of an empty sample")
    return np.random.default_rng(seed).integers(0, units, size=(resamples, units))


def _percentiles(estimates: np.ndarray) -> tuple[float, float]:
    low, high = np.percentile(estimates, [2.5, 97.5])
    return float(low), float(high)
