"""Paths to the loader fixtures and to the third-party data in <repo>/../shared/data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def fixtures() -> Path:
    """Small real-format catalog files written for these tests."""
    return Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def shared_data() -> Path:
    """Third-party data beside the repo; tests using it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not available: expected {SHARED_DATA} beside the repo")
    return SHARED_DATA


@pytest.fixture
def repo() -> Path:
    return REPO
