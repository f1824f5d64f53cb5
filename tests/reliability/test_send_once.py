"""A reply goes out once. The provider takes a message and then never answers in time: the
send is marked uncertain and not repeated, in-process or by the outbox. A connection refused
before anything was sent, and a 503 with Retry-After, are retried and delivered once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.retrieval.index import CatalogIndex
from assistant.store.models import OutboxItem
from assistant.testing.fake_provider import FakeProvider, serve
from assistant.testing.loopback import free_port
from assistant.testing.shoppers import (
    ChannelName,
    audit_deliveries,
    channel_provider,
    enable_channels,
    sender_id,
    signed_message,
    webhook_path,
)
from tests.reliability.conftest import wait_for

CHANNELS: list[ChannelName] = ["whatsapp", "messenger", "sms"]
TIMEOUT_S = 0.5
HANG_S = 2.0  # the provider's answer comes this late: well past the client's timeout


def _settings(tmp_path: Path, provider_url: str) -> Settings:
    """Every channel on; in-process retries (3 tries) and quick outbox retries both in play."""
    settings = Settings(data_dir=tmp_path / "data", model="offline", _env_file=None)  # type: ignore[call-arg]
    enable_channels(settings, provider_url)
    for channel in (settings.channels.whatsapp, settings.channels.messenger, settings.channels.sms):
        channel.retry.max_attempts = 3
        channel.retry.backoff_s = 0.05
        channel.retry.timeout_s = TIMEOUT_S
    settings.store.outbox_backoff_base_s = 0.05
    settings.store.outbox_backoff_cap_s = 0.2
    settings.store.outbox_max_attempts = 50
    return settings


@contextmanager
def _service(settings: Settings, index: CatalogIndex) -> Iterator[tuple[TestClient, Concierge]]:
    concierge = Concierge.from_settings(settings, index)
    with TestClient(create_app(settings, concierge)) as client:
        yield client, concierge


def _send(client: TestClient, channel: ChannelName, text: str) -> None:
    webhook = signed_message(channel, sender_id(channel, 11), text)
    response = client.post(webhook_path(channel), content=webhook.body, headers=webhook.headers)
    assert response.status_code == 200, response.text


def _count(concierge: Concierge, *statuses: str) -> int:
    """Outbox items in any of `statuses` (all items without)."""
    query = select(func.count()).select_from(OutboxItem)
    if statuses:
        query = query.where(OutboxItem.status.in_(statuses))
    with concierge.store.session(write=False) as session:
        return int(session.scalar(query) or 0)


def _attempts(concierge: Concierge) -> int:
    with concierge.store.session(write=False) as session:
        return int(session.scalar(select(func.max(OutboxItem.attempts))) or 0)


def _settled(concierge: Concierge) -> bool:
    return _count(concierge) > 0 and _count(concierge, "pending", "sending") == 0


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_message_taken_but_never_confirmed_is_delivered_once(
    tmp_path: Path,
    demo_index: CatalogIndex,
    provider: FakeProvider,
    provider_server: tuple[FakeProvider, str],
    channel: ChannelName,
) -> None:
    provider.accept_then_hang(HANG_S)  # the first payload is taken, its answer held back
    with _service(_settings(tmp_path, provider_server[1]), demo_index) as (client, concierge):
        _send(client, channel, "merino socks")
        wait_for(lambda: _settled(concierge), what="the reply's payloads to settle")
        time.sleep(HANG_S + 1.0)  # room for a wrong retry, in-process or from the outbox
        audit = audit_deliveries(concierge.store, provider)
        assert audit.duplicates == 0 and audit.exact, audit  # out once, not twice
        assert len(provider.requests) == audit.payloads  # and never even tried again
        assert _count(concierge, "uncertain") == 1  # kept for the team to check
        assert _count(concierge, "sent") == audit.payloads - 1


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_refused_connection_is_retried_and_delivered_once(
    tmp_path: Path, demo_index: CatalogIndex, channel: ChannelName
) -> None:
    port = free_port()  # nothing listens here until the fake starts below
    fake = channel_provider()
    settings = _settings(tmp_path, f"http://127.0.0.1:{port}")
    with _service(settings, demo_index) as (client, concierge):
        _send(client, channel, "merino socks")
        wait_for(lambda: _attempts(concierge) >= 2, what="the outbox to try again")
        assert _count(concierge, "uncertain", "dead") == 0  # refused is not "maybe sent"
        with serve(fake, port=port):
            wait_for(lambda: _settled(concierge), what="delivery once the provider listens")
            time.sleep(0.5)
            audit = audit_deliveries(concierge.store, fake)
    assert audit.exact and audit.delivered == audit.payloads >= 1, audit
    assert len(fake.requests) == audit.payloads


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_503_with_retry_after_is_retried_and_delivered_once(
    tmp_path: Path,
    demo_index: CatalogIndex,
    provider: FakeProvider,
    provider_server: tuple[FakeProvider, str],
    channel: ChannelName,
) -> None:
    provider.fail_next(503, retry_after="1")
    with _service(_settings(tmp_path, provider_server[1]), demo_index) as (client, concierge):
        _send(client, channel, "merino socks")
        wait_for(lambda: _settled(concierge), what="the reply to go out")
        audit = audit_deliveries(concierge.store, provider)
    assert provider.requests[0].status == 503
    assert audit.exact and audit.delivered == audit.payloads >= 1, audit
    assert len(provider.requests) == audit.payloads + 1  # the refused try, then each once
