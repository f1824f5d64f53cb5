"""A turn that keeps failing: the provider gets its 200, the recovery sweep tries the message
again a bounded number of times, then it is a dead letter with an alert, and nothing, neither
the sweep nor the provider's redelivery, runs it again. The web chat gets an apology."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

import pytest

from assistant.api.webhooks import recover
from assistant.conversation import TROUBLE
from assistant.store import StoreError, StoreUnavailable
from assistant.store.dead_letters import DEAD_LETTER
from assistant.store.models import MessageRow, utcnow
from assistant.testing.fake_provider import whatsapp_webhook
from tests.desk import conftest as desk_fixtures
from tests.desk.conftest import WA_SECRET, Shop, wait_for_sends, webhook

provider_server = desk_fixtures.provider_server  # the fake provider on loopback
provider = desk_fixtures.provider
provider_url = desk_fixtures.provider_url
shop = desk_fixtures.shop
SENDER = "16505550199"
WORDS = "merino socks for my aunt"


def _refuse(*args: Any, **kwargs: Any) -> None:
    """What a database says of a value it will not keep (the error quotes the value)."""
    raise StoreError(f"value refused: {WORDS}")


def _message(shop: Shop, conversation_id: str, *, status: str, timeout: float = 15) -> MessageRow:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = [m for m in shop.store.messages(conversation_id) if m.direction == "inbound"]
        if rows and rows[0].status == status:
            return rows[0]
        time.sleep(0.05)
    raise AssertionError(f"the message never became {status}")


def test_a_failing_turn_ends_as_a_dead_letter(
    shop: Shop, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(shop.store, "finish_turn", _refuse)
    hook = webhook("whatsapp", SENDER, WORDS)
    response = shop.client.post("/webhooks/whatsapp", content=hook.body, headers=hook.headers)
    assert response.status_code == 200  # the provider does not redeliver
    conversation_id = f"whatsapp:{SENDER}"
    assert _message(shop, conversation_id, status="received").attempts == 1  # to be retried
    courier = shop.client.app.state.courier  # type: ignore[attr-defined]
    later = utcnow() + timedelta(seconds=1)
    assert recover(shop.concierge, courier, later) == 1
    assert _message(shop, conversation_id, status="received").attempts == 2
    assert recover(shop.concierge, courier, later) == 1
    dead = _message(shop, conversation_id, status="dead")
    assert dead.attempts == shop.concierge.settings.store.max_turn_attempts == 3
    assert recover(shop.concierge, courier, later) == 0  # nothing left to try
    again = shop.client.post("/webhooks/whatsapp", content=hook.body, headers=hook.headers)
    assert again.status_code == 200  # a redelivery is recognised, and not run again
    assert _message(shop, conversation_id, status="dead").attempts == 3
    [event] = shop.store.events(kind=DEAD_LETTER, conversation_id=conversation_id)
    assert event.data["attempts"] == 3
    alerts = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("dead letter" in r.getMessage() for r in alerts)
    assert all("merino" not in r.getMessage() for r in caplog.records)  # no shopper text logged


def test_a_failing_web_chat_turn_gets_an_apology_not_a_5xx(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shop.store, "finish_turn", _refuse)
    started = shop.client.post("/api/conversations", json={}).json()
    conversation_id = started["conversation_id"]
    headers = {"X-Conversation-Secret": started.get("secret", "")}
    for route in ("messages", "messages/stream"):
        response = shop.client.post(
            f"/api/conversations/{conversation_id}/{route}", json={"text": WORDS}, headers=headers
        )
        assert response.status_code == 200, response.text
        assert TROUBLE[:20] in response.text and WORDS not in response.text
    rows = [m for m in shop.store.messages(conversation_id) if m.direction == "inbound"]
    assert [(m.status, m.attempts) for m in rows] == [("received", 1), ("received", 1)]


def test_one_message_of_a_batch_cannot_hold_up_the_other(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    stuck, innocent = "16505550201", "16505550202"
    finish = shop.store.finish_turn

    def unavailable_for_one(conversation_id: str, *args: Any, **kwargs: Any) -> None:
        if conversation_id == f"whatsapp:{stuck}":
            raise StoreUnavailable("database unavailable")
        finish(conversation_id, *args, **kwargs)

    monkeypatch.setattr(shop.store, "finish_turn", unavailable_for_one)
    messages = [
        {"from": sender, "id": f"wamid.batch-{sender}", "timestamp": str(int(time.time())),
         "type": "text", "text": {"body": "merino socks"}}
        for sender in (stuck, innocent)
    ]  # fmt: skip
    hook = whatsapp_webhook(WA_SECRET, messages=messages)
    response = shop.client.post("/webhooks/whatsapp", content=hook.body, headers=hook.headers)
    assert response.status_code == 200
    assert wait_for_sends(shop.provider, innocent, 0)  # its turn ran after the failed one
    left = _message(shop, f"whatsapp:{stuck}", status="processing")  # for the recovery sweep
    assert left.attempts == 1
