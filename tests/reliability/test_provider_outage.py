"""The channel provider is down for a while: replies wait in the outbox and go out when it
returns, in order, each exactly once."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from assistant.conversation import Concierge
from assistant.store.models import OutboxItem
from assistant.testing.fake_provider import FakeProvider
from assistant.testing.shoppers import (
    ChannelName,
    audit_deliveries,
    sender_id,
    signed_message,
    webhook_path,
)
from tests.reliability.conftest import wait_for

QUESTIONS = ["merino socks", "what's your return policy?", "insulated water bottle"]


def _send(client: TestClient, channel: ChannelName, sender: str, text: str) -> None:
    webhook = signed_message(channel, sender, text)
    response = client.post(webhook_path(channel), content=webhook.body, headers=webhook.headers)
    assert response.status_code == 200, response.text


def _outbox(concierge: Concierge, status: str) -> int:
    with concierge.store.session(write=False) as session:
        query = select(func.count()).select_from(OutboxItem).where(OutboxItem.status == status)
        return int(session.scalar(query) or 0)


def test_replies_wait_out_an_outage_then_go_out_in_order_exactly_once(
    service: tuple[TestClient, Concierge], provider: FakeProvider
) -> None:
    client, concierge = service
    provider.go_down(503)
    shoppers = [(channel, sender_id(channel, 1)) for channel in ("whatsapp", "sms", "messenger")]
    for text in QUESTIONS:
        for channel, sender in shoppers:
            _send(client, channel, sender, text)  # type: ignore[arg-type]

    # While it is down, every reply is kept and retried; nothing is accepted.
    wait_for(lambda: len(provider.requests) >= 12, what="retries against the outage")
    assert provider.sent() == []
    assert _outbox(concierge, "sent") == 0 and _outbox(concierge, "dead") == 0
    assert all(r.status == 503 for r in provider.requests)

    provider.come_back()
    wait_for(lambda: _outbox(concierge, "pending") + _outbox(concierge, "sending") == 0)

    audit = audit_deliveries(concierge.store, provider)
    assert audit.inbound == 9 and audit.replies == 9 and audit.payloads >= 9
    assert audit.exact, audit  # nothing lost, nothing twice, each shopper's replies in order
    assert audit.delivered == audit.payloads == _outbox(concierge, "sent")


def test_a_reply_held_back_by_the_provider_keeps_the_later_ones_behind_it(
    service: tuple[TestClient, Concierge], provider: FakeProvider
) -> None:
    client, concierge = service
    sender = sender_id("whatsapp", 2)
    provider.fail_next(429, retry_after="2")  # the first reply must wait two seconds
    _send(client, "whatsapp", sender, QUESTIONS[0])
    wait_for(lambda: len(provider.requests) >= 1, what="the first attempt")
    for text in QUESTIONS[1:]:
        _send(client, "whatsapp", sender, text)

    wait_for(lambda: _outbox(concierge, "pending") + _outbox(concierge, "sending") == 0)

    audit = audit_deliveries(concierge.store, provider)
    assert audit.inbound == 3 and audit.exact, audit
    assert provider.requests[0].status == 429
