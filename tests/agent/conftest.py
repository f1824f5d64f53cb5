"""Agent fixtures: Concierge on the `openai:` path, talking to a fake OpenAI server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.retrieval.index import CatalogIndex
from assistant.testing.openai_server import FakeOpenAI, serve


@pytest.fixture
def fake() -> FakeOpenAI:
    return FakeOpenAI()


@pytest.fixture
def openai_settings(fake: FakeOpenAI, tmp_path: Path) -> Iterator[Settings]:
    """Settings for `openai:test-model` on the loopback fake; retries stay fast (retry-after-ms)."""
    with serve(fake) as base_url:
        settings = Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]
        settings.model = "openai:test-model"
        settings.openai_api_key = SecretStr("sk-test")
        settings.openai_base_url = base_url
        settings.openai.timeout_s = 5.0
        settings.openai.max_retries = 2
        yield settings


@pytest.fixture
def openai_concierge(openai_settings: Settings, demo_index: CatalogIndex) -> Concierge:
    """Concierge on the OpenAI path over the demo index (`demo_index` is in tests/conftest.py)."""
    return Concierge.from_settings(openai_settings, demo_index)
