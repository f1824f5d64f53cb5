"""Fixtures of the fault tests: the service with every channel on, over a fake provider."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.retrieval.index import CatalogIndex
from assistant.testing.fake_provider import FakeProvider, serve
from assistant.testing.shoppers import channel_provider, enable_channels


@pytest.fixture(scope="module")
def provider_server() -> Iterator[tuple[FakeProvider, str]]:
    fake = channel_provider()
    with serve(fake) as base_url:
        yield fake, base_url


@pytest.fixture
def provider(provider_server: tuple[FakeProvider, str]) -> FakeProvider:
    fake = provider_server[0]
    fake.reset()
    return fake


@pytest.fixture
def channel_settings(tmp_path: Path, provider_server: tuple[FakeProvider, str]) -> Settings:
    """Every channel on, quick retries: a failed send waits in the outbox, not in the adapter."""
    settings = Settings(data_dir=tmp_path / "data", model="offline", _env_file=None)  # type: ignore[call-arg]
    enable_channels(settings, provider_server[1])
    for channel in (settings.channels.whatsapp, settings.channels.messenger, settings.channels.sms):
        channel.retry.max_attempts = 1
        channel.retry.timeout_s = 2.0
    settings.store.outbox_backoff_base_s = 0.05
    settings.store.outbox_backoff_cap_s = 0.2
    settings.store.outbox_max_attempts = 50
    return settings


@pytest.fixture
def service(
    channel_settings: Settings, demo_index: CatalogIndex
) -> Iterator[tuple[TestClient, Concierge]]:
    concierge = Concierge.from_settings(channel_settings, demo_index)
    with TestClient(create_app(channel_settings, concierge)) as client:
        yield client, concierge


def wait_for(check: Callable[[], bool], timeout_s: float = 20.0, what: str = "condition") -> None:
    """Poll `check` until it holds, or fail naming `what`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
