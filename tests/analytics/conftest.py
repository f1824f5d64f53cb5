"""Fixtures of the analytics tests: the store fixture of the store tests (SQLite and
PostgreSQL), and the session's seeded run (see `tests.analytics.seeded`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.retrieval.index import CatalogIndex
from tests.analytics.seeded import SeededRun, close_seeded, seeded_once
from tests.store.conftest import postgres_url, store

__all__ = ["postgres_url", "seeded_run", "store"]


@pytest.fixture(scope="session")
def seeded_run(
    demo_index: CatalogIndex, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SeededRun]:
    """200 simulated conversations through the service (shared with the browser test)."""
    yield seeded_once(demo_index, tmp_path_factory)
    close_seeded()
