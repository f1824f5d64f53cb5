"""Which of a product's attributes a question asks about, by meaning: "does it fit in the
overhead bin" asks for `carry_on`, "how thick is the fabric" for `fabric_weight`, "ok for wide
feet?" for `fit`, though none of them names the attribute.

Each attribute is embedded as the line a product page would show ("carry on: fits most airline
carry-on limits"), once per product, and compared with the question. A match must be close
enough and clearly ahead of the next one; otherwise nothing is asked of the attributes (the
caller then gives an overview, or says it does not know).
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

import numpy as np

from assistant.retrieval.embeddings import Embedder

# Cosine similarity a question must reach with an attribute's line (all-MiniLM-L6-v2: unrelated
# lines score under 0.2; "what kinda batteries" and "battery: 3 x AAA" score 0.6).
MIN_SIMILARITY = 0.25
# How far ahead of the runner-up the best line must be.
MIN_MARGIN = 0.05
# Products whose attribute lines are kept embedded.
CACHED_PRODUCTS = 512


class AttributeMatcher:
    """The attribute a question asks about, by the meaning of the question and of each line."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._lines: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], np.ndarray] = (
            OrderedDict()
        )
        self._lock = Lock()

    def closest(self, question: str, product_id: str, attributes: dict[str, str]) -> str | None:
        """The key of `attributes` the question asks about, or None when none stands out."""
        keys = list(attributes)
        if not keys or not question.strip():
            return None
        lines = self._embedded(product_id, attributes)
        scores = lines @ self._embedder.embed([question])[0]
        order = np.argsort(-scores)
        best = float(scores[order[0]])
        runner_up = float(scores[order[1]]) if len(keys) > 1 else -1.0
        if best < MIN_SIMILARITY or best - runner_up < MIN_MARGIN:
            return None
        return keys[int(order[0])]

    def _embedded(self, product_id: str, attributes: dict[str, str]) -> np.ndarray:
        key = (product_id, tuple(attributes.items()))
        with self._lock:
            if (cached := self._lines.get(key)) is not None:
                self._lines.move_to_end(key)
                return cached
        lines = [f"{name.replace('_', ' ')}: {value}" for name, value in attributes.items()]
        vectors = self._embedder.embed(lines)
        with self._lock:
            self._lines[key] = vectors
            while len(self._lines) > CACHED_PRODUCTS:
                self._lines.popitem(last=False)
        return vectors
