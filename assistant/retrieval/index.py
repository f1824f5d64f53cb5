"""The brand's catalog index: ingest files into Chroma, then open it for hybrid search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.config import Settings
from assistant.retrieval.embeddings import Embedder, get_embedder
from assistant.retrieval.filters import SearchFilters
from assistant.retrieval.ingest import IngestReport, Progress, faq_records, product_records, sync
from assistant.retrieval.loaders import load_paths
from assistant.retrieval.loaders.report import CatalogLoad
from assistant.retrieval.measure_columns import SortBy
from assistant.retrieval.query import ParsedQuery, QueryParser
from assistant.retrieval.search import FaqHit, FaqSearch, ProductHit, ProductSearch
from assistant.retrieval.threads import limit_scoring_threads
from assistant.retrieval.vectorstore import VectorStore, connect


def open_store(settings: Settings, embedder: Embedder | None = None) -> VectorStore:
    """The configured vector store bound to the configured embedder."""
    return VectorStore(
        connect(settings),
        embedder or get_embedder(settings),
        prefix=settings.retrieval.collection_prefix,
    )


def ingest(
    settings: Settings,
    paths: Sequence[Path] | None = None,
    *,
    rebuild: bool = False,
    store: VectorStore | None = None,
    progress: Progress | None = None,
) -> tuple[CatalogLoad, list[IngestReport]]:
    """Load catalog files and make the index match them; only changed items are re-embedded."""
    load = load_paths(paths or settings.catalog.paths, shop_domain=settings.catalog.shop_domain)
    store = store or open_store(settings)
    if rebuild:
        store.drop("products")
        store.drop("faq")
    batch = settings.embedding.batch_size
    reports = [
        sync(
            store, "products", product_records(load.products), batch_size=batch, progress=progress
        ),
        sync(store, "faq", faq_records(load.faqs), batch_size=batch, progress=progress),
    ]
    return load, reports


@dataclass
class CatalogIndex:
    """Product search, FAQ search and the query parser over one snapshot of the index."""

    products: ProductSearch
    faq: FaqSearch
    parser: QueryParser

    @classmethod
    def open(cls, settings: Settings, store: VectorStore | None = None) -> CatalogIndex:
        """Load the index (IndexMissingError if `assistant ingest` has not run)."""
        limit_scoring_threads(settings.retrieval.scoring_threads)
        store = store or open_store(settings)
        products = ProductSearch.from_store(store, settings.retrieval, settings.catalog.schema_path)
        faq = FaqSearch.from_store(store, settings.retrieval)
        return cls(products, faq, QueryParser(products.products, products.measures))

    def for_turn(self) -> CatalogIndex:
        """The index for one turn: its product search remembers the queries it has scored."""
        return CatalogIndex(self.products.for_turn(), self.faq, self.parser)

    def search(
        self,
        query: str,
        k: int = 8,
        *,
        in_stock: bool = True,
        filters: SearchFilters | None = None,
        sort: SortBy | None = None,
    ) -> tuple[ParsedQuery, list[ProductHit]]:
        """Understand a shopper's query, then rank the products that meet its constraints."""
        parsed = self.parser.parse(query, in_stock=in_stock)
        if filters is not None:
            stated = filters.model_dump(exclude_defaults=True)  # the names; values stay typed
            parsed.filters = parsed.filters.model_copy(
                update={name: getattr(filters, name) for name in stated}
            )
        return parsed, self.products.search(parsed.text, parsed.filters, k, sort or parsed.sort)

    def search_faq(self, question: str, k: int = 3) -> list[FaqHit]:
        return self.faq.search(question, k)
