"""An API worker for the multi-process tests: `uvicorn --factory tests.desk.worker_app:create`.

Settings come from the environment (ASSISTANT_DATABASE_URL, the channel settings); the catalog
is two files of the demo brand indexed in memory, so a worker starts in seconds.
"""

from __future__ import annotations

from fastapi import FastAPI

from assistant.api.app import create_app
from assistant.config import PROJECT_ROOT, Settings
from assistant.conversation import Concierge
from assistant.retrieval.embeddings import LocalMiniLM
from assistant.retrieval.index import CatalogIndex
from assistant.retrieval.loaders import load_paths
from assistant.retrieval.query import QueryParser
from assistant.retrieval.search import FaqSearch, ProductSearch

FILES = ("hats-gloves-and-socks.yaml", "hydration-and-bottles.yaml")


def create() -> FastAPI:
    settings = Settings()
    embedder = LocalMiniLM()
    catalog = PROJECT_ROOT / "catalog"
    load = load_paths([*(catalog / "products" / f for f in FILES), catalog / "faq.md"])
    vectors = embedder.embed([p.search_text() for p in load.products])
    index = CatalogIndex(
        products=ProductSearch(load.products, vectors, embedder),
        faq=FaqSearch.build(load.faqs, embedder),
        parser=QueryParser(load.products),
    )
    return create_app(settings, Concierge.from_settings(settings, index))
