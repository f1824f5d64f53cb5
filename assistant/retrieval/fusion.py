"""Score fusion: z-normalise each retriever's scores over the candidates, then blend.

Reciprocal rank fusion throws away how far ahead a result is; a min-max blend lets one outlier
set the scale. Standardising each score distribution over the filtered candidates keeps both
the order and the margin, and measured best on the FAQ and product benchmarks (benchmarks/).
"""

from __future__ import annotations

import numpy as np


def standardise(scores: np.ndarray) -> np.ndarray:
    """(score - mean) / std as float32; all zeros where the scores carry no signal."""
    if not len(scores):
        return np.zeros(0, dtype=np.float32)
    spread = float(scores.std())
    if spread < 1e-9:
        return np.zeros(len(scores), dtype=np.float32)
    return ((scores - float(scores.mean())) / spread).astype(np.float32, copy=False)


def fuse(
    dense: np.ndarray, lexical: np.ndarray, candidates: np.ndarray, dense_weight: float
) -> np.ndarray:
    """Blend of the candidates' standardised dense and lexical scores (`candidates` are indices
    into both), in the candidates' order: only they are standardised, so only they are read."""
    return dense_weight * standardise(dense[candidates]) + (1.0 - dense_weight) * standardise(
        lexical[candidates]
    )


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best finite scores, best first."""
    finite = np.isfinite(scores)
    k = min(k, int(finite.sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    part = part[finite[part]]
    return part[np.argsort(-scores[part], kind="stable")][:k]
