"""Retrieval fixtures: a real Chroma server, and stores on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.retrieval.embeddings import LocalMiniLM
from assistant.retrieval.index import open_store
from assistant.retrieval.vectorstore import VectorStore
from assistant.testing.chroma_server import run_chroma_server

CATALOG20 = Path(__file__).parent / "data" / "catalog20.yaml"


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server (`chroma run`) on a free loopback port, for the whole session."""
    with run_chroma_server(tmp_path_factory.mktemp("chroma-server") / "db") as server:
        yield server.url


@pytest.fixture(params=["embedded", "server"])
def backend_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for embedded Chroma and for a Chroma server; each test gets fresh collections."""
    prefix = f"t{abs(hash(request.node.nodeid)) % 10**10}"
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]
    settings.retrieval.collection_prefix = prefix
    if request.param == "server":
        settings.chroma_url = request.getfixturevalue("chroma_server")
    return settings


@pytest.fixture
def store(backend_settings: Settings, embedder: LocalMiniLM) -> VectorStore:
    return open_store(backend_settings, embedder)
