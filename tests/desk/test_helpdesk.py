"""The external helpdesk: every handoff POSTed as signed JSON from a persistent queue, retried
with backoff (also after a restart), and a helpdesk agent's signed reply delivered to the
shopper through their channel, refused when unsigned, stale or replayed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import update

from assistant.api.app import create_app
from assistant.config import DeskSettings
from assistant.conversation import Concierge
from assistant.desk.helpdesk import SIGNATURE, HelpdeskNotifier, SignatureMismatch, sign, verify
from assistant.retrieval.index import CatalogIndex
from assistant.store import Store
from assistant.store.desk_models import HelpdeskDelivery
from assistant.store.models import utcnow
from assistant.testing.fake_helpdesk import FakeHelpdesk, signed_reply
from assistant.testing.fake_provider import FakeProvider
from assistant.testing.loopback import serve_app
from tests.desk.conftest import (
    UNSURE,
    Shop,
    add_agents,
    desk_settings,
    sent_to,
    text_of,
    wait_for_sends,
    wait_processed,
    webhook,
)
from tests.store.test_tickets import _turn

SECRET = "helpdesk-shared-secret"
SHOPPER = "16505550777"


@pytest.fixture
def helpdesk() -> Iterator[tuple[FakeHelpdesk, str]]:
    fake = FakeHelpdesk(SECRET)
    with serve_app(fake.app, name="fake helpdesk") as base_url:
        yield fake, f"{base_url}/hooks/concierge"


@pytest.fixture
def linked_shop(
    demo_index: CatalogIndex,
    tmp_path: Path,
    provider: FakeProvider,
    provider_url: str,
    helpdesk: tuple[FakeHelpdesk, str],
) -> Iterator[Shop]:
    settings = desk_settings(tmp_path, provider_url)
    settings.desk.webhook_url = helpdesk[1]
    settings.desk.webhook_secret = SecretStr(SECRET)
    concierge = Concierge.from_settings(settings, demo_index)
    keys = add_agents(concierge.store)
    with TestClient(create_app(settings, concierge)) as client:
        yield Shop(client, concierge, provider, keys)


def _hand_off(shop: Shop) -> str:
    hook = webhook("whatsapp", SHOPPER, UNSURE)
    assert shop.client.post(
        "/webhooks/whatsapp", content=hook.body, headers=hook.headers
    ).is_success
    wait_for_sends(shop.provider, SHOPPER, 0)
    conversation_id = f"whatsapp:{SHOPPER}"
    wait_processed(shop.store, conversation_id)
    return conversation_id


def _wait(predicate: object, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_every_handoff_reaches_the_helpdesk_signed(
    linked_shop: Shop, helpdesk: tuple[FakeHelpdesk, str]
) -> None:
    fake, _ = helpdesk
    conversation_id = _hand_off(linked_shop)
    _wait(lambda: fake.accepted())
    [call] = fake.received
    assert call.signature_ok and call.headers["content-type"] == "application/json"
    assert call.headers["x-concierge-signature"].startswith("sha256=")
    assert abs(int(call.headers["x-concierge-timestamp"]) - time.time()) < 60
    assert call.body["event"] == "handoff" and call.body["id"].startswith("delivery-")
    ticket = call.body["ticket"]
    assert ticket["conversation_id"] == conversation_id and ticket["channel"] == "whatsapp"
    assert ticket["team"] == "sales" and ticket["reason"] == "low confidence"
    assert f'Last message: "{UNSURE}"' in ticket["summary"] and ticket["products"]
    assert "Handed off: low confidence" in ticket["summary"]
    assert ticket["transcript"][0] == {
        "role": "shopper",
        "text": UNSURE,
        "at": ticket["transcript"][0]["at"],
    }
    hook = webhook("whatsapp", SHOPPER, "it's for a wedding gift, by Friday")
    linked_shop.client.post("/webhooks/whatsapp", content=hook.body, headers=hook.headers)
    _wait(lambda: len(fake.accepted()) == 2)  # the shopper's next words follow the ticket
    relayed = fake.accepted()[1]
    assert relayed["event"] == "message" and relayed["ticket"]["ticket_id"] == ticket["ticket_id"]
    assert relayed["message"]["text"] == "it's for a wedding gift, by Friday"  # fmt: skip


def test_failed_calls_are_retried_with_backoff_and_survive_a_restart(
    tmp_path: Path, helpdesk: tuple[FakeHelpdesk, str]
) -> None:
    fake, url = helpdesk
    store = Store.open(f"sqlite:///{tmp_path / 'h.db'}")
    store.create_schema()
    _turn(store, "c-retry")
    settings = DeskSettings(webhook_url=url, webhook_secret=SecretStr(SECRET))
    fake.fail_next(503, times=2)

    async def round_with(notifier: HelpdeskNotifier) -> int:
        async with httpx.AsyncClient() as client:
            return await notifier.deliver_due(client)

    assert asyncio.run(round_with(HelpdeskNotifier(store, settings))) == 1  # 503
    [item] = store.helpdesk_deliveries([store.latest_ticket("c-retry").id])  # type: ignore[union-attr]
    assert item.status == "pending" and item.next_attempt_at > utcnow()  # backing off
    assert asyncio.run(round_with(HelpdeskNotifier(store, settings))) == 0  # not due yet
    for _ in range(2):  # a restarted process (a new notifier) picks the queue up
        with store.session() as session:
            session.execute(update(HelpdeskDelivery).values(next_attempt_at=utcnow()))
        assert asyncio.run(round_with(HelpdeskNotifier(store, settings))) == 1
    sent = store.helpdesk_item(item.id)
    assert sent is not None and (sent.status, sent.attempts) == ("sent", 3)
    assert [r.status for r in fake.received] == [503, 503, 200]
    assert len({r.body["id"] for r in fake.received}) == 1  # the same delivery each time


def test_a_refusing_helpdesk_is_not_retried(
    tmp_path: Path, helpdesk: tuple[FakeHelpdesk, str]
) -> None:
    fake, url = helpdesk
    store = Store.open(f"sqlite:///{tmp_path / 'h.db'}")
    store.create_schema()
    _turn(store, "c-refused")
    fake.fail_next(400)
    settings = DeskSettings(webhook_url=url, webhook_secret=SecretStr(SECRET))

    async def once() -> None:
        async with httpx.AsyncClient() as client:
            await HelpdeskNotifier(store, settings).deliver_due(client)

    asyncio.run(once())
    [item] = store.helpdesk_deliveries([store.latest_ticket("c-refused").id])  # type: ignore[union-attr]
    assert item.status == "dead" and item.last_error == "helpdesk answered 400"


def test_a_helpdesk_reply_reaches_the_shopper(linked_shop: Shop) -> None:
    conversation_id = _hand_off(linked_shop)
    before = len(sent_to(linked_shop.provider, SHOPPER))
    body, headers = signed_reply(SECRET, conversation_id, "Hana from support: we can engrave it!")
    response = linked_shop.client.post("/desk/webhook/reply", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["conversation"]["assigned_agent"] == "helpdesk:Hana"
    delivered = wait_for_sends(linked_shop.provider, SHOPPER, before)
    assert any("we can engrave it" in text_of(b) for b in delivered)
    console = linked_shop.client.get(
        f"/console/api/conversations/{conversation_id}", headers=linked_shop.as_agent("sam")
    ).json()
    assert console["messages"][-1]["author"] == "helpdesk:Hana"
    replay = linked_shop.client.post("/desk/webhook/reply", content=body, headers=headers)
    assert replay.status_code == 409  # the same id again
    done, done_headers = signed_reply(SECRET, conversation_id, action="handback")
    assert (
        linked_shop.client.post("/desk/webhook/reply", content=done, headers=done_headers).json()[
            "conversation"
        ]["state"]
        == "bot"
    )


def test_unsigned_stale_or_unknown_replies_are_refused(linked_shop: Shop) -> None:
    client = linked_shop.client
    body, headers = signed_reply(SECRET, "whatsapp:nobody", "hi")
    forged = {**headers, SIGNATURE: sign("wrong-secret", body)}
    assert client.post("/desk/webhook/reply", content=body, headers=forged).status_code == 401
    unsigned = {"Content-Type": "application/json"}
    assert client.post("/desk/webhook/reply", content=body, headers=unsigned).status_code == 401
    old, old_headers = signed_reply(SECRET, "whatsapp:nobody", "hi", timestamp=time.time() - 3600)
    assert client.post("/desk/webhook/reply", content=old, headers=old_headers).status_code == 401
    missing = client.post("/desk/webhook/reply", content=body, headers=headers)
    assert missing.status_code == 404
    again = client.post("/desk/webhook/reply", content=body, headers=headers)
    assert again.status_code == 404  # not 409: a failed call does not burn its id


def test_verify_checks_signature_freshness_and_shape() -> None:
    body = b'{"id": "r-1", "timestamp": 1000}'
    good = sign(SECRET, body)
    assert verify(SECRET, body, good, tolerance_s=300, now=1100)["id"] == "r-1"
    flipped = good[:-1] + ("1" if good.endswith("0") else "0")
    for header, now in ((good, 2000.0), (None, 1100.0), (flipped, 1100.0)):
        with pytest.raises(SignatureMismatch):
            verify(SECRET, body, header, tolerance_s=300, now=now)
    shapeless = b'{"timestamp": 1000}'
    with pytest.raises(SignatureMismatch, match="id"):
        verify(SECRET, shapeless, sign(SECRET, shapeless), tolerance_s=300, now=1000)
