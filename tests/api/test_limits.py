"""Limits: token buckets per sender and client, and the service's bounds on bodies, nesting,
encoding, message length and floods (429 with Retry-After, all from settings)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.api.app import create_app
from assistant.api.guard import json_depth
from assistant.api.limits import RateLimiter
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.retrieval.index import CatalogIndex
from assistant.store.models import MessageRow
from assistant.testing.shoppers import enable_channels, signed_message
from tests.web_chat import start_chat


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_its_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("a") == pytest.approx(1.0)  # one token a second
    assert limiter.acquire("b") == 0.0  # each key has its own bucket
    clock.now = 1.0
    assert limiter.acquire("a") == 0.0 and limiter.acquire("a") > 0


def test_a_refund_gives_back_one_token_and_never_more_than_the_burst() -> None:
    limiter = RateLimiter(per_minute=60, burst=2, clock=Clock())
    assert limiter.acquire("a") == 0.0 and limiter.acquire("a") == 0.0
    assert limiter.acquire("a") > 0
    limiter.refund("a")
    assert limiter.acquire("a") == 0.0 and limiter.acquire("a") > 0
    for _ in range(5):
        limiter.refund("a")
    assert [limiter.acquire("a") == 0.0 for _ in range(3)] == [True, True, False]
    limiter.refund("never-seen")  # nothing to give back to
    assert len(limiter) == 1


def test_a_limiter_forgets_the_oldest_keys_past_its_bound() -> None:
    limiter = RateLimiter(per_minute=1, burst=1, max_keys=100)
    for n in range(1000):
        limiter.acquire(f"sender-{n}")
    assert len(limiter) == 100


def test_a_limiter_holds_only_the_keys_seen_within_one_refill() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=5, clock=clock)  # full again after 5 s
    for n in range(1000):
        clock.now = n * 0.01  # 1,000 senders, one each 10 ms
        limiter.acquire(f"visitor-{n}")
    assert len(limiter) == 500  # the last 5 s of them; the rest were full again, so dropped
    for _ in range(5):
        limiter.acquire("flooder")
    assert limiter.acquire("flooder") > 0
    clock.now += 4.0
    for n in range(100):
        limiter.acquire(f"later-{n}")
    assert limiter.acquire("flooder") == 0.0  # 4 s refilled 4 tokens: still tracked, not reset
    waits = [limiter.acquire("flooder") for _ in range(4)]
    assert waits[:3] == [0.0, 0.0, 0.0] and waits[3] > 0  # three more, then limited again


def test_json_depth_ignores_brackets_in_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[{{{"}]}') == 3
    assert json_depth(b'"\\"[[["') == 0


@pytest.fixture
def service(demo_index: CatalogIndex, tmp_path: Path) -> Iterator[tuple[TestClient, Concierge]]:
    settings = Settings(data_dir=tmp_path / "data", model="offline", _env_file=None)  # type: ignore[call-arg]
    enable_channels(settings, "http://127.0.0.1:9")
    settings.limits.sender_burst, settings.limits.sender_per_minute = 3, 6.0
    settings.limits.ip_burst, settings.limits.ip_per_minute = 40, 60.0
    settings.limits.max_message_chars = 500
    settings.limits.max_json_depth = 12  # a WhatsApp webhook nests 9 deep
    settings.server.max_body_bytes = 2000
    concierge = Concierge.from_settings(settings, demo_index)
    with TestClient(create_app(settings, concierge)) as client:
        yield client, concierge


def test_bodies_over_the_limit_get_413_with_or_without_a_length(
    service: tuple[TestClient, Concierge],
) -> None:
    client, _ = service
    chat = start_chat(client)
    path = f"/api/conversations/{chat.id}/messages"
    headers = {"content-type": "application/json", **chat.headers}
    big = json.dumps({"text": "x" * 3000}).encode()
    assert client.post(path, content=big, headers=headers).status_code == 413

    def chunks() -> Iterator[bytes]:  # chunked: no Content-Length to refuse it by
        for _ in range(10):
            yield b" " * 500

    response = client.post(path, content=chunks(), headers=headers)
    assert response.status_code == 413 and response.json()["error"] == "too_large"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"text": ' + b"[" * 50 + b"]" * 50 + b"}", "nested deeper than 12"),
        (b'{"text": "caf\xe9"}', "not valid UTF-8"),
        (b'{"text": "' + b"\xff\xfe" * 10 + b'"}', "not valid UTF-8"),
    ],
)
def test_hostile_json_gets_a_clear_400(
    service: tuple[TestClient, Concierge], body: bytes, detail: str
) -> None:
    client, _ = service
    chat = start_chat(client)
    headers = {"content-type": "application/json", **chat.headers}
    for path in (f"/api/conversations/{chat.id}/messages", "/webhooks/whatsapp"):
        response = client.post(path, content=body, headers=headers)
        assert response.status_code == 400 and detail in response.json()["detail"]


def test_a_message_over_the_configured_length_is_refused(
    service: tuple[TestClient, Concierge],
) -> None:
    client, concierge = service
    conversation, auth, _ = start_chat(client)
    path = f"/api/conversations/{conversation}/messages"
    response = client.post(path, json={"text": "y" * 501}, headers=auth)
    assert response.status_code == 422 and "500 characters" in response.json()["detail"]
    assert concierge.transcript(conversation) == []


def test_a_flooding_conversation_gets_429_with_retry_after_and_nothing_is_stored(
    service: tuple[TestClient, Concierge],
) -> None:
    client, concierge = service
    conversation, auth, _ = start_chat(client)
    path = f"/api/conversations/{conversation}/messages"
    statuses = [client.post(path, json={"text": "hi"}, headers=auth).status_code for _ in range(6)]
    assert statuses[:3] == [200, 200, 200] and set(statuses[3:]) == {429}
    refused = client.post(path, json={"text": "hi"}, headers=auth)
    assert int(refused.headers["retry-after"]) >= 1 and refused.json()["error"] == "rate_limited"
    assert sum(role == "shopper" for role, _ in concierge.transcript(conversation)) == 3
    other = start_chat(client)
    path = f"/api/conversations/{other.id}/messages"
    assert client.post(path, json={"text": "hi"}, headers=other.headers).status_code == 200


def test_one_client_address_is_limited_across_conversations(
    service: tuple[TestClient, Concierge],
) -> None:
    client, _ = service
    started = time.monotonic()
    statuses = [client.post("/api/conversations", json={}).status_code for _ in range(45)]
    refilled = int(time.monotonic() - started) + 1  # the bucket refills one a second meanwhile
    assert statuses[:40] == [201] * 40  # the burst
    assert statuses.count(201) <= 40 + refilled and 429 in statuses[40:]


def test_a_flooding_channel_sender_is_kept_but_not_answered(
    service: tuple[TestClient, Concierge],
) -> None:
    client, concierge = service
    started = time.monotonic()
    for n in range(200):  # thousands would be the same story, only slower
        webhook = signed_message("whatsapp", "16505550199", f"message {n}")
        response = client.post("/webhooks/whatsapp", content=webhook.body, headers=webhook.headers)
        assert response.status_code == 200  # the provider is not asked to redeliver the flood
    elapsed = time.monotonic() - started
    with concierge.store.session(write=False) as session:
        rows = session.execute(
            select(MessageRow.direction, MessageRow.status, MessageRow.error)
        ).all()
    inbound = [r for r in rows if r.direction == "inbound"]
    answered = [r for r in inbound if r.status == "processed"]
    assert len(inbound) == 200  # every message kept
    assert 3 <= len(answered) <= 3 + int(elapsed * 6 / 60) + 1  # the burst, then the rate
    limited = [r for r in inbound if r.status == "failed"]
    assert len(limited) == 200 - len(answered)
    assert {r.error for r in limited} == {"rate limited: kept, not answered"}
