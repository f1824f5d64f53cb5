"""Ingestion re-embeds only what changed, removes what vanished, survives interruption.

Every test runs on embedded Chroma and on a real Chroma server.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.errors import EmbeddingMismatchError, IndexMissingError, VectorStoreError
from assistant.retrieval.index import CatalogIndex, ingest, open_store
from assistant.retrieval.ingest import product_records, sync
from assistant.retrieval.loaders import load_paths
from assistant.retrieval.vectorstore import VectorStore
from tests.retrieval.conftest import CATALOG20

FAQ = """# Shipping

## How much does shipping cost?
Also asked: shipping fee | delivery price

Standard shipping is free over $75, otherwise $6.95.

## Do you ship to Canada?

Yes, Canada and the UK, for $19.95 and $24.95.
"""


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "products.yaml").write_text(CATALOG20.read_text())
    (folder / "faq.md").write_text(FAQ)
    return folder


def test_first_run_embeds_everything_and_second_run_nothing(
    backend_settings: Settings, store: VectorStore, catalog: Path
) -> None:
    load, reports = ingest(backend_settings, [catalog], store=store)
    assert (len(load.products), len(load.faqs), load.errors) == (20, 2, [])
    assert [(r.kind, r.written, r.unchanged, r.removed) for r in reports] == [
        ("products", 20, 0, 0),
        ("faq", 4, 0, 0),  # one record per phrasing: 2 questions + 2 alternates
    ]
    _, again = ingest(backend_settings, [catalog], store=store)
    assert [(r.written, r.removed) for r in again] == [(0, 0), (0, 0)]
    assert again[0].unchanged == 20


def test_changed_product_is_re_embedded_and_removed_product_deleted(
    backend_settings: Settings, store: VectorStore, catalog: Path
) -> None:
    ingest(backend_settings, [catalog], store=store)
    text = (catalog / "products.yaml").read_text()
    first_title = load_paths([catalog]).products[0].title
    text = text.replace(f"title: {first_title}", f"title: {first_title} Pro", 1)
    cut = text.index("\n- id:", text.index("\n- id:") + 1)  # drop the second product
    end = text.index("\n- id:", cut + 1)
    (catalog / "products.yaml").write_text(text[:cut] + text[end:])
    _, reports = ingest(backend_settings, [catalog], store=store)
    assert (reports[0].written, reports[0].removed, reports[0].unchanged) == (1, 1, 18)
    index = CatalogIndex.open(backend_settings, store)
    assert len(index.products.products) == 19
    assert any(p.title == f"{first_title} Pro" for p in index.products.products)


def test_interrupted_ingest_leaves_a_consistent_index_that_the_next_run_finishes(
    backend_settings: Settings, store: VectorStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = product_records(load_paths([CATALOG20]).products)
    real_upsert = VectorStore.upsert
    calls = {"n": 0}

    def failing_upsert(self: VectorStore, *args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise VectorStoreError("connection reset (simulated)")
        real_upsert(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(VectorStore, "upsert", failing_upsert)
    with pytest.raises(VectorStoreError):
        sync(store, "products", records, batch_size=5)
    stored = store.hashes("products")
    assert 0 < len(stored) < 20
    assert all(stored[r.id] == r.hash for r in records if r.id in stored)
    monkeypatch.setattr(VectorStore, "upsert", real_upsert)
    report = sync(store, "products", records, batch_size=5)
    assert report.written == 20 - len(stored)
    assert set(store.hashes("products")) == {r.id for r in records}


def test_index_refuses_another_embedding(
    backend_settings: Settings, store: VectorStore, catalog: Path
) -> None:
    ingest(backend_settings, [catalog], store=store)

    class OtherEmbedder:
        id = "openai:text-embedding-3-small"
        dimension = 1536

        def embed(self, texts: list[str]) -> np.ndarray:
            return np.zeros((len(texts), 1536), dtype=np.float32)

    other = VectorStore(
        store._client, OtherEmbedder(), prefix=backend_settings.retrieval.collection_prefix
    )
    with pytest.raises(EmbeddingMismatchError, match="assistant ingest --rebuild"):
        CatalogIndex.open(backend_settings, other)


def test_missing_index_names_the_fix(backend_settings: Settings, store: VectorStore) -> None:
    with pytest.raises(IndexMissingError, match="assistant ingest"):
        CatalogIndex.open(backend_settings, store)


def test_rebuild_drops_and_re_embeds(
    backend_settings: Settings, store: VectorStore, catalog: Path
) -> None:
    ingest(backend_settings, [catalog], store=store)
    _, reports = ingest(backend_settings, [catalog], store=store, rebuild=True)
    assert reports[0].written == 20


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, chroma_url="http://127.0.0.1:9", _env_file=None)  # type: ignore[call-arg]

    class NoEmbedder:
        id = "local:none"
        dimension = 3

        def embed(self, texts: list[str]) -> np.ndarray:
            return np.zeros((len(texts), 3), dtype=np.float32)

    with pytest.raises(VectorStoreError, match=r"127\.0\.0\.1:9"):
        open_store(settings, NoEmbedder()).hashes("products")
