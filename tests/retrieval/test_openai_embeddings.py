"""The `openai:<model>` embedding path, over real HTTP to a loopback OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pydantic import SecretStr

from assistant.config import Settings
from assistant.errors import ConfigurationError, EmbeddingError, EmbeddingMismatchError
from assistant.retrieval.embeddings import OpenAIEmbedder, get_embedder
from assistant.retrieval.index import CatalogIndex, ingest, open_store
from assistant.testing.openai_server import FakeOpenAI, fake_embedding, serve
from tests.retrieval.conftest import CATALOG20


@pytest.fixture
def fake() -> FakeOpenAI:
    return FakeOpenAI(dimension=64)


@pytest.fixture
def openai_settings(fake: FakeOpenAI, tmp_path: Path) -> Iterator[Settings]:
    with serve(fake) as base_url:
        settings = Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]
        settings.embedding.model = "openai:text-embedding-3-small"
        settings.openai_api_key = SecretStr("sk-test")
        settings.openai_base_url = base_url
        settings.openai.max_retries = 2
        yield settings


def test_embeds_through_the_openai_client(openai_settings: Settings, fake: FakeOpenAI) -> None:
    embedder = get_embedder(openai_settings)
    assert isinstance(embedder, OpenAIEmbedder)
    assert embedder.id == "openai:text-embedding-3-small"
    vectors = embedder.embed(["rain jacket", "camp stove"])
    np.testing.assert_allclose(vectors[0], fake_embedding("rain jacket", 64), atol=1e-6)
    assert fake.requests[-1]["body"]["model"] == "text-embedding-3-small"
    assert embedder.dimension == 64


def test_server_errors_are_retried_then_reported(
    openai_settings: Settings, fake: FakeOpenAI
) -> None:
    embedder = get_embedder(openai_settings)
    fake.fail_next(500, times=2)
    assert embedder.embed(["tent"]).shape == (1, 64)  # two retries absorb two failures
    fake.fail_next(500, times=3)
    with pytest.raises(EmbeddingError, match="OpenAI embedding request failed"):
        embedder.embed(["tent"])


def test_an_openai_built_index_refuses_local_queries(
    openai_settings: Settings, embedder: object
) -> None:
    ingest(openai_settings, [CATALOG20])
    index = CatalogIndex.open(openai_settings)
    assert len(index.products.products) == 20
    local = Settings(data_dir=openai_settings.data_dir, _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(EmbeddingMismatchError, match="openai:text-embedding-3-small"):
        CatalogIndex.open(local, open_store(local, embedder))  # type: ignore[arg-type]


def test_missing_key_is_a_configuration_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    settings.embedding.model = "openai:text-embedding-3-small"
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        get_embedder(settings)
