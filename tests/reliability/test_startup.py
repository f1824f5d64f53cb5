"""A missing index, or one built with another embedding, is dealt with at start: `assistant serve`
builds a missing one, the app factory refuses to start naming the fix, and a mismatched
embedding stops `serve` naming `assistant ingest --rebuild`; never an error mid-conversation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.api.app import create_app
from assistant.cli import app
from assistant.config import Settings, get_settings
from assistant.errors import IndexMissingError
from assistant.retrieval.index import CatalogIndex, ingest
from assistant.retrieval.vectorstore import VectorStore, connect
from tests.reliability.crash_server import HashEmbedder
from tests.retrieval.conftest import CATALOG20

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "products.yaml").write_text(CATALOG20.read_text())
    (catalog / "faq.md").write_text("## Do you ship to Canada?\n\nYes, for $19.95.\n")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_CATALOG__PATHS", json.dumps([str(catalog)]))
    monkeypatch.setattr(uvicorn, "run", _must_not_serve)
    get_settings.cache_clear()
    yield catalog
    get_settings.cache_clear()


def _must_not_serve(*args: object, **kwargs: object) -> None:
    raise AssertionError("the service started without a usable index")


def test_the_app_factory_without_an_index_stops_at_start_naming_the_fix(env: Path) -> None:
    """Any ASGI server running `create_app(settings)` fails while starting, not at a turn."""
    with (
        pytest.raises(IndexMissingError, match="run `assistant ingest`"),
        TestClient(create_app(Settings())),
    ):
        pass


def test_serve_without_an_index_builds_it_before_serving(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[int] = []

    def serve(app: object, **kwargs: object) -> None:
        served.append(len(CatalogIndex.open(Settings()).products.products))

    monkeypatch.setattr(uvicorn, "run", serve)
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    assert served == [20]  # the index existed before the first request could arrive


def test_serve_on_an_index_of_another_embedding_names_the_fix(env: Path) -> None:
    settings = Settings()
    other = VectorStore(
        connect(settings), HashEmbedder(), prefix=settings.retrieval.collection_prefix
    )
    ingest(settings, store=other)  # built with another embedding than the configured one

    result = runner.invoke(app, ["serve"])

    assert result.exit_code == 2, result.output
    assert "test-hash-64" in result.output and "assistant ingest --rebuild" in result.output
    assert "Traceback" not in result.output
