"""Shared fixtures. Tests never reach the network: an autouse guard refuses non-loopback sockets."""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
DEMO_CATALOG = REPO / "catalog"


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return True  # unix sockets


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any attempt to connect beyond loopback (no real model, no real provider)."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        if not _is_loopback(address):
            raise RuntimeError(f"tests may not reach the network: {address!r}")
        real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """A test that configures logging (`assistant serve` run in process) leaves it as it was,
    so later tests that capture logs through the root logger still see the assistant's."""
    loggers = [logging.getLogger(name) for name in ("assistant", "uvicorn.error", "uvicorn.access")]
    saved = [(logger, list(logger.handlers), logger.level, logger.propagate) for logger in loggers]
    yield
    for logger, handlers, level, propagate in saved:
        logger.handlers = handlers
        logger.setLevel(level)
        logger.propagate = propagate


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on the embedded defaults, with a private data directory."""
    return Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]


def shared_data(*parts: str) -> Path:
    """A path in ../shared/data, skipping the test when that folder is not present."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


@pytest.fixture(scope="session")
def embedder() -> Iterator[object]:
    """One local embedder for the whole run (loading the model takes a moment)."""
    from assistant.retrieval.embeddings import LocalMiniLM

    yield LocalMiniLM()


@pytest.fixture(scope="session")
def demo_index(embedder: object) -> object:
    """The demo brand's catalog and FAQs, indexed in memory (no Chroma): fast agent tests."""
    from assistant.retrieval.index import CatalogIndex
    from assistant.retrieval.loaders import load_paths
    from assistant.retrieval.query import QueryParser
    from assistant.retrieval.search import FaqSearch, ProductSearch

    load = load_paths([DEMO_CATALOG / "products", DEMO_CATALOG / "faq.md"])
    vectors = embedder.embed([p.search_text() for p in load.products])  # type: ignore[attr-defined]
    products = ProductSearch(load.products, vectors, embedder)  # type: ignore[arg-type]
    faq = FaqSearch.build(load.faqs, embedder)  # type: ignore[arg-type]
    return CatalogIndex(products=products, faq=faq, parser=QueryParser(load.products))
