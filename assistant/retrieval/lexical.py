"""BM25 lexical scoring (bm25s) with English stemming and stopwords, over any list of texts."""

from __future__ import annotations

import re
from functools import lru_cache

import bm25s
import numpy as np
import Stemmer

# Keep decimals and fractions ("10.5", "1/2") whole; split everything else on non-alphanumerics.
_TOKEN = re.compile(r"\d+(?:[./]\d+)?|[a-z0-9]+")
_STOPWORDS = frozenset(bm25s.stopwords.STOPWORDS_EN) - {"not", "no", "off", "on", "out", "up"}


def is_stopword(word: str) -> bool:
    """A function word ("more", "the") that says nothing of a product on its own."""
    return word.lower() in _STOPWORDS or word.lower() in {"no", "not", "off", "on", "out", "up"}


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lower-case, split, drop stopwords, stem. The same for documents and queries."""
    words = [w for w in _TOKEN.findall(text.lower().replace("'", "")) if w not in _STOPWORDS]
    return list(_stemmer().stemWords(words))


class LexicalIndex:
    """BM25 over a fixed list of documents, scored as a dense array so filters can mask it."""

    def __init__(self, texts: list[str], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.size = len(texts)
        corpus = [tokenize(t) or ["\u2205"] for t in texts]
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        if corpus:
            self._bm25.index(corpus, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for the query (zeros when no query term is known)."""
        tokens = [t for t in tokenize(query) if t in self._bm25.vocab_dict] if self.size else []
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
