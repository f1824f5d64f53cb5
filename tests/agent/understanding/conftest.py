"""One act classifier for the understanding tests, trained once (cached between runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.agent.understanding import ActClassifier, load_examples


@pytest.fixture(scope="session")
def acts_cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pytest's cache folder when it is on (a rerun skips training), else a temporary one."""
    cache = getattr(request.config, "cache", None)
    return Path(cache.mkdir("acts")) if cache is not None else tmp_path_factory.mktemp("acts")


@pytest.fixture(scope="session")
def acts(embedder: object, acts_cache: Path) -> ActClassifier:
    """The classifier on the shipped examples."""
    return ActClassifier.build(load_examples(), embedder, cache_dir=acts_cache)  # type: ignore[arg-type]
