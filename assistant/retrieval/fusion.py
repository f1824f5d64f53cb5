"""Score fusion: z-normalise each retriever's scores over the candidates, then blend.

Reciprocal rank fusion throws away how far ahead a result is; a min-max blend lets one outlier
set the scale. Standardising each score distribution over the filtered candidates keeps both
the order and the margin, and measured best on the FAQ and product benchmarks (benchmarks/).
"""

from __future__ import annotations

import numpy as np


def standardise(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(score - mean) / std over the masked entries; all zeros where the scores carry no signal."""
    out = np.zeros_like(scores, dtype=np.float32)
    if not mask.any():
        return out
    selected = scores[mask]
    spread = float(selected.std())
    if spread < 1e-9:
        return out
    out[mask] = (selected - float(selected.mean())) / spread
    return out


def fuse(
    dense: np.ndarray, lexical: np.ndarray, mask: np.ndarray, dense_weight: float
) -> np.ndarray:
    """Blend of standardised dense and lexical scores; -inf outside the mask."""
    fused = dense_weight * standardise(dense, mask) + (1.0 - dense_weight) * standardise(
        lexical, mask
    )
    fused[~mask] = -np.inf
    return fused


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best finite scores, best first."""
    finite = np.isfinite(scores)
    k = min(k, int(finite.sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    part = part[finite[part]]
    return part[np.argsort(-scores[part], kind="stable")][:k]
