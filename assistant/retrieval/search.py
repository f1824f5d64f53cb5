"""Hybrid product and FAQ search: BM25 and dense similarity, fused, after structured filters.

The durable index lives in Chroma; a search object holds one snapshot of it in memory
(vectors, documents, products) so filtering is exact per variant and scoring is exact over
every candidate, which Chroma's own filtered query cannot do within our latency budget.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.config import RetrievalSettings
from assistant.retrieval.colours import ColourFamilies
from assistant.retrieval.embeddings import Embedder
from assistant.retrieval.filters import FilterTable, SearchFilters
from assistant.retrieval.fusion import fuse, top_k
from assistant.retrieval.lexical import LexicalIndex, tokenize
from assistant.retrieval.measure_columns import PRICE, MeasureColumns, SortBy
from assistant.retrieval.measures import MeasureSchema
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
        measures: MeasureColumns | None = None,
    ) -> None:
        self.products = products
        self._settings = settings or RetrievalSettings()
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._lexical = LexicalIndex(documents or [p.search_text() for p in products])
        self._filters = FilterTable(products, measures)
        self.measures = self._filters.measures
        self.embedder = embedder
        self._query = _QueryEmbeddings(embedder)
        self._by_id = {p.id: i for i, p in enumerate(products)}
        self._dense: dict[str, np.ndarray] | None = None  # a turn's view remembers (`for_turn`)
        # each product's title words, tokenized at first use (shared by every turn's view)
        self._title_words: dict[int, frozenset[str]] = {}
        self._title_heads: dict[int, str] = {}

    @classmethod
    def from_store(
        cls,
        store: VectorStore,
        settings: RetrievalSettings | None = None,
        schema_path: Path | None = None,
    ) -> ProductSearch:
        """Load the product index from Chroma (raises IndexMissingError before any ingest);
        measures are discovered from the products, corrected by the schema file if any."""
        records = store.records("products")
        products = [Product.model_validate_json(m["product"]) for m in records.metadatas]
        measures = MeasureColumns(
            products, MeasureSchema.load(products, schema_path), ColourFamilies.load(schema_path)
        )
        return cls(
            products, records.embeddings, store.embedder, settings, records.documents, measures
        )

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
        self,
        query: str,
        filters: SearchFilters | None = None,
        k: int | None = None,
        sort: SortBy | None = None,
    ) -> list[ProductHit]:
        """The k best products for the query among those the filters allow; with `sort`, the
        most relevant of them ordered by price or a measure (those without it left out).
        `UnknownMeasure` when a bound or the sort names a measure the catalog lacks."""
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
        order = (
            top_k(scores, k)
            if sort is None
            else self._sorted(scores, candidates, variant_mask, sort, k, query)
        )
        return [
            ProductHit(
                product=self.products[i],
                score=float(scores[i]),
                similarity=float(similarity[i]),
                lexical=float(lexical[i]),
                variant_ids=tuple(self._filters.variants_of(int(i), variant_mask)),
            )
            for i in order
        ]

    def _sorted(
        self,
        scores: np.ndarray,
        candidates: np.ndarray,
        variant_mask: np.ndarray,
        sort: SortBy,
        k: int,
        query: str,
    ) -> list[int]:
        """The most relevant candidates that have the sort's value, ordered by it.

        Relevance picks the pool (the best `max(3k, 12)` by score), so "the lightest tent"
        orders tents, not the lightest thing in the shop that a filter let through."""
        if sort.by.strip().lower() == PRICE:
            per_variant = self._filters.prices()
        else:
            per_variant = self.measures.values(sort.by, sort.direction)
        kept = np.where(variant_mask, per_variant, np.nan)
        starts = self._filters.variant_start[:-1]
        with np.errstate(invalid="ignore"):
            reduce = np.fmin if sort.direction == "asc" else np.fmax
            per_product = reduce.reduceat(kept, starts)
        valued = candidates[~np.isnan(per_product[candidates])]
        valued = self._named_kind(valued, query)
        pool = valued[np.argsort(-scores[valued], kind="stable")[: max(3 * k, 12)]]
        sign = 1.0 if sort.direction == "asc" else -1.0
        ranked = sorted(pool.tolist(), key=lambda i: (sign * per_product[i], -scores[i]))
        return ranked[:k]

    def rank(self, products: list[Product], sort: SortBy) -> list[tuple[Product, float | None]]:
        """These products ordered by price or a measure, each with its value (base units);
        those without the measure last, with None. `UnknownMeasure` for a measure the
        catalog lacks."""
        by_price = sort.by.strip().lower() == PRICE
        name = "" if by_price else self.measures.canonical(sort.by)
        valued: list[tuple[Product, float | None]] = []
        for product in products:
            if by_price:
                price = product.price_min if sort.direction == "asc" else product.price_max
                valued.append((product, float(price)))
                continue
            measure = self.measures.schema.measures(product).get(name)
            end = (
                None
                if measure is None
                else (measure.low if sort.direction == "asc" else measure.high)
            )
            valued.append((product, end))
        sign = 1.0 if sort.direction == "asc" else -1.0
        return sorted(valued, key=lambda pv: (pv[1] is None, sign * (pv[1] or 0.0)))

    def _named_kind(self, candidates: np.ndarray, query: str) -> np.ndarray:
        """The candidates whose title names the kind of thing asked for: those whose names end
        with a word of the query that is not their category's ("the brightest flashlight": the
        Trailblaze 1000 Flashlight, not the headlamps of Lighting), else those holding the
        query's last word that at least two titles have ("tent" in "the lightest tent you
        have"); else all. An ordered list of tents must not open with a footprint a tent
        search also finds."""
        words = tokenize(query)
        heads = {i: self._head_of_title(i) for i in candidates.tolist()}
        kinds = {w for i in candidates.tolist() for w in tokenize(self.products[i].category)}
        for word in reversed(words):
            if word in kinds:
                continue  # "backpack" of Backpacks: every pack, whatever its name ends with
            named = [i for i, head in heads.items() if head == word]
            if named:
                return np.array(named, dtype=np.int64)
        titles = {i: self._words_of_title(i) for i in candidates.tolist()}
        for head in reversed(words):  # the last word that some titles name
            named = [i for i, words in titles.items() if head in words]
            if len(named) >= 2:
                return np.array(named, dtype=np.int64)
        return candidates

    def _words_of_title(self, index: int) -> frozenset[str]:
        words = self._title_words.get(index)
        if words is None:
            words = self._title_words[index] = frozenset(tokenize(self.products[index].title))
        return words

    def _head_of_title(self, index: int) -> str:
        """The word a product's name ends with, specs and cut aside ("Trailblaze 1000
        Flashlight - Men's": flashlight; "Soft Flask 500 ml": flask)."""
        head = self._title_heads.get(index)
        if head is None:
            name = re.sub(
                r"\s+-\s+.*$|\s+with\s+.*$|\s*\(.*?\)", "", self.products[index].title, flags=re.I
            )
            words = [w for w in tokenize(name) if w.isalpha() and len(w) > 2]
            head = self._title_heads[index] = words[-1] if words else ""
        return head

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
