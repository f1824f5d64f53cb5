"""Hybrid product and FAQ search: BM25 and dense similarity, fused, after structured filters.

The durable index lives in Chroma; a search object holds one snapshot of it in memory
(vectors, documents, products) so filtering is exact per variant and scoring is exact over
every candidate, which Chroma's own filtered query cannot do within our latency budget.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.config import RetrievalSettings
from assistant.retrieval.embeddings import Embedder
from assistant.retrieval.filters import FilterTable, SearchFilters
from assistant.retrieval.fusion import fuse, top_k
from assistant.retrieval.lexical import LexicalIndex
from assistant.retrieval.models import FaqEntry, Product
from assistant.retrieval.vectorstore import VectorStore


class _QueryEmbeddings:
    """Embeds queries, remembering recent ones (shoppers repeat and refine)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embed = lru_cache(maxsize=1024)(lambda text: embedder.embed([text])[0])

    def __call__(self, text: str) -> np.ndarray:
        return self._embed(text)


@dataclass(frozen=True)
class ProductHit:
    """A ranked product, the variants that satisfy the filters, and why it ranked."""

    product: Product
    score: float
    similarity: float
    lexical: float
    variant_ids: tuple[str, ...]


@dataclass(frozen=True)
class FaqHit:
    """A ranked FAQ entry with its fused score and raw dense similarity."""

    entry: FaqEntry
    score: float
    similarity: float


class ProductSearch:
    """Hybrid search over one catalog snapshot."""

    def __init__(
        self,
        products: list[Product],
        vectors: np.ndarray,
        embedder: Embedder,
        settings: RetrievalSettings | None = None,
        documents: list[str] | None = None,
    ) -> None:
        self.products = products
        self._settings = settings or RetrievalSettings()
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._lexical = LexicalIndex(documents or [p.search_text() for p in products])
        self._filters = FilterTable(products)
        self._query = _QueryEmbeddings(embedder)
        self._by_id = {p.id: i for i, p in enumerate(products)}
        self._dense: dict[str, np.ndarray] | None = None  # a turn's view remembers (`for_turn`)

    @classmethod
    def from_store(
        cls, store: VectorStore, settings: RetrievalSettings | None = None
    ) -> ProductSearch:
        """Load the product index from Chroma (raises IndexMissingError before any ingest)."""
        records = store.records("products")
        products = [Product.model_validate_json(m["product"]) for m in records.metadatas]
        return cls(products, records.embeddings, store.embedder, settings, records.documents)

    def for_turn(self) -> ProductSearch:
        """This search for one turn: it remembers each query's dense scores against the catalog.

        A turn often ranks the same words twice (a product named, then searched for; a search
        again without the saved filters that found nothing), and scoring a query against every
        product's vector is the costliest step of a search. The catalog snapshot is shared."""
        view = copy.copy(self)
        view._dense = {}
        return view

    def query_vector(self, query: str) -> np.ndarray:
        """The embedding search ranks `query` with (remembered, so a message embedded here for
        reading its dialogue act is not embedded again when it is searched)."""
        return self._query(query)

    def get(self, product_id: str) -> Product | None:
        index = self._by_id.get(product_id)
        return None if index is None else self.products[index]

    def search(
        self, query: str, filters: SearchFilters | None = None, k: int | None = None
    ) -> list[ProductHit]:
        """The k best products for the query among those the filters allow."""
        filters = filters or SearchFilters()
        k = k or self._settings.default_k
        mask, variant_mask = self._filters.apply(filters)
        candidates = np.flatnonzero(mask)
        if not len(candidates):
            return []
        if query.strip():
            similarity = self._similarity(query)
            lexical = self._lexical.scores(query)
            scores = np.full(len(self.products), -np.inf, dtype=np.float32)
            scores[candidates] = fuse(similarity, lexical, candidates, self._settings.dense_weight)
        else:  # filters only: keep catalog order
            similarity = lexical = np.zeros(len(self.products), dtype=np.float32)
            scores = np.where(mask, -np.arange(len(self.products), dtype=np.float32), -np.inf)
        return [
            ProductHit(
                product=self.products[i],
                score=float(scores[i]),
                similarity=float(similarity[i]),
                lexical=float(lexical[i]),
                variant_ids=tuple(self._filters.variants_of(int(i), variant_mask)),
            )
            for i in top_k(scores, k)
        ]

    def _similarity(self, query: str) -> np.ndarray:
        """Cosine similarity of the query to every product (remembered in a turn's view)."""
        if self._dense is None:
            return self._vectors @ self._query(query)
        similarity = self._dense.get(query)
        if similarity is None:
            similarity = self._dense[query] = self._vectors @ self._query(query)
        return similarity


class FaqSearch:
    """Hybrid search over FAQ entries; an entry's dense score is its best phrasing's."""

    def __init__(
        self,
        entries: list[FaqEntry],
        vectors: np.ndarray,
        owners: np.ndarray,
        embedder: Embedder,
        settings: RetrievalSettings | None = None,
    ) -> None:
        self.entries = entries
        self._settings = settings or RetrievalSettings()
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._owners = owners
        self._lexical = LexicalIndex(
            [" ".join([e.question, *e.alternate_questions, e.answer]) for e in entries]
        )
        self._query = _QueryEmbeddings(embedder)

    @classmethod
    def from_store(cls, store: VectorStore, settings: RetrievalSettings | None = None) -> FaqSearch:
        records = store.records("faq")
        positions: dict[str, int] = {}
        entries: list[FaqEntry] = []
        owners = []
        for meta in records.metadatas:
            faq_id = str(meta["faq_id"])
            if faq_id not in positions:
                positions[faq_id] = len(entries)
                entries.append(FaqEntry.model_validate(json.loads(meta["faq"])))
            owners.append(positions[faq_id])
        return cls(
            entries, records.embeddings, np.array(owners, dtype=np.int64), store.embedder, settings
        )

    @classmethod
    def build(
        cls, entries: list[FaqEntry], embedder: Embedder, settings: RetrievalSettings | None = None
    ) -> FaqSearch:
        """Embed entries directly, without a vector store (benchmarks, tests)."""
        texts, owners = [], []
        for n, entry in enumerate(entries):
            for phrasing in [entry.question, *entry.alternate_questions]:
                texts.append(f"{phrasing}\n{entry.answer}")
                owners.append(n)
        return cls(
            entries, embedder.embed(texts), np.array(owners, dtype=np.int64), embedder, settings
        )

    def search(self, question: str, k: int = 3) -> list[FaqHit]:
        """The k entries that best answer the question."""
        if not self.entries or not question.strip():
            return []
        per_phrasing = self._vectors @ self._query(question)
        similarity = np.full(len(self.entries), -1.0, dtype=np.float32)
        np.maximum.at(similarity, self._owners, per_phrasing)
        every = np.arange(len(self.entries))
        scores = fuse(
            similarity, self._lexical.scores(question), every, self._settings.faq_dense_weight
        )
        return [
            FaqHit(self.entries[i], float(scores[i]), float(similarity[i]))
            for i in top_k(scores, k)
        ]
