"""The service as its own process, for the crash tests: a 20-product index built in memory
(hashed word vectors beside BM25, so it starts in seconds),
the offline model, SQLite in `--data-dir`, every channel sending to `--provider-url`.

`--hang` stops the process dead at one point of a message's life, so the test can SIGKILL it
exactly there: `turn` (message stored, turn running), `reply` (turn and reply stored, not yet
sent), `delivery` (the courier never sends). `none` runs normally.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
from pathlib import Path
from typing import Any

import numpy as np
import uvicorn

from assistant.agent.runner import ShopAgent
from assistant.api.app import create_app
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.delivery import Courier
from assistant.retrieval.index import CatalogIndex
from assistant.retrieval.loaders import load_paths
from assistant.retrieval.query import QueryParser
from assistant.retrieval.search import FaqSearch, ProductSearch
from assistant.store import Store
from assistant.testing.openai_server import fake_embedding
from assistant.testing.shoppers import enable_channels

REPO = Path(__file__).resolve().parents[2]
FOREVER = threading.Event()


class HashEmbedder:
    """Word-hash vectors: quick to start (BM25 carries relevance; the test is about delivery)."""

    id = "test-hash-64"
    dimension = 64

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.array([fake_embedding(t, self.dimension) for t in texts], dtype=np.float32)


def small_index() -> CatalogIndex:
    load = load_paths(
        [REPO / "tests" / "retrieval" / "data" / "catalog20.yaml", REPO / "catalog" / "faq.md"]
    )
    embedder = HashEmbedder()
    vectors = embedder.embed([p.search_text() for p in load.products])
    return CatalogIndex(
        ProductSearch(load.products, vectors, embedder),
        FaqSearch.build(load.faqs, embedder),
        QueryParser(load.products),
    )


def hang_at(point: str) -> None:
    """Patch the process so it stops for good at `point`."""
    if point == "turn":

        def stuck_stream(self: ShopAgent, *args: Any, **kwargs: Any) -> Any:
            FOREVER.wait()
            yield from ()

        ShopAgent.stream = stuck_stream  # type: ignore[method-assign]
    elif point == "reply":
        finish = Store.finish_turn

        def finish_then_stop(self: Store, *args: Any, **kwargs: Any) -> None:
            finish(self, *args, **kwargs)
            FOREVER.wait()

        Store.finish_turn = finish_then_stop  # type: ignore[method-assign,assignment]
    elif point == "delivery":

        async def never(self: Courier, client: Any) -> int:
            await asyncio.sleep(3600)
            return 0

        Courier.deliver_due = never  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--provider-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--hang", choices=["none", "turn", "reply", "delivery"], default="none")
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir, model="offline", _env_file=None)  # type: ignore[call-arg]
    enable_channels(settings, args.provider_url)
    settings.channels.whatsapp.retry.max_attempts = 1
    hang_at(args.hang)
    concierge = Concierge.from_settings(settings, small_index())
    app = create_app(settings, concierge)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
