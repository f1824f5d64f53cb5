"""The console's JSON API: the queue's order, a conversation as the console shows it, the
actions' answers for invalid moves (409), other agents (409/404) and closed windows (422),
and the live updates (SSE) polled from the database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from assistant.api.console_events import change_stream
from assistant.desk.credentials import new_api_key
from assistant.messages import InboundMessage, ProductCard, Reply
from assistant.store import Store
from assistant.store.models import ConversationRow, utcnow
from assistant.store.tickets import NewTicket, add_ticket
from tests.desk.conftest import Shop

PRODUCT = {
    "product_id": "p-1", "title": "Trail Bottle", "price": "24.00", "image": "https://i/1.jpg",
    "url": "https://shop/p-1", "in_stock": True,
}  # fmt: skip


def ticket_for(
    store: Store, key: str, team: str, *, channel: str = "web", hours_ago: float = 0.5
) -> str:
    """A conversation handed to `team`, the shopper's last message `hours_ago`."""
    sender = key.split(":")[-1]
    conversation = store.get_or_create_conversation(key, channel, sender, "default")
    store.record_inbound(
        conversation.id,
        InboundMessage(
            channel=channel, sender=sender, text="where is my order?",  # type: ignore[arg-type]
            received_at=utcnow() - timedelta(hours=hours_ago),
        ),
    )  # fmt: skip
    store.record_outbound(
        conversation.id,
        Reply(text="Here it is.", products=[ProductCard.model_validate(PRODUCT)]),
        channel=channel,
        status="sent",
    )
    with store.session() as session:
        row = session.get(ConversationRow, conversation.id)
        assert row is not None
        row.state = "pending_human"
        new = NewTicket(
            team=team, reason="shopper asked for a person", confidence=0.3,
            summary="where is my order?", products=[PRODUCT],
            transcript=[{"role": "shopper", "text": "where is my order?", "at": None}],
        )  # fmt: skip
        add_ticket(session, row, new)
    return conversation.id


def test_the_queue_shows_the_agents_team_only_the_oldest_first(shop: Shop) -> None:
    first = ticket_for(shop.store, "web:a", "orders")
    second = ticket_for(shop.store, "web:b", "sales")
    third = ticket_for(shop.store, "web:c", "sales")
    queue = shop.client.get("/console/api/queue", headers=shop.as_agent("sam")).json()["tickets"]
    assert [t["conversation_id"] for t in queue] == [second, third]  # not orders' ticket
    item = queue[0]
    assert set(item) >= {
        "ticket_id", "conversation_id", "channel", "state", "team", "reason", "confidence",
        "summary", "created_at", "waiting_seconds", "assigned_agent",
    }  # fmt: skip
    assert item["state"] == "pending_human" and item["assigned_agent"] is None
    olga = shop.client.get("/console/api/queue", headers=shop.as_agent("olga")).json()
    assert [t["conversation_id"] for t in olga["tickets"]] == [first]
    admin = shop.client.get("/console/api/queue", headers=shop.as_agent("ada")).json()
    assert [t["conversation_id"] for t in admin["tickets"]] == [first, second, third]
    shop.console("sam", "close", second)
    after = shop.client.get("/console/api/queue", headers=shop.as_agent("sam")).json()
    assert [t["conversation_id"] for t in after["tickets"]] == [third]


def test_a_conversation_shows_its_ticket_products_and_messages(shop: Shop) -> None:
    conversation_id = ticket_for(shop.store, "web:d", "sales")
    body = shop.client.get(
        f"/console/api/conversations/{conversation_id}", headers=shop.as_agent("sam")
    ).json()
    assert body["conversation"] == {
        "id": conversation_id, "channel": "web", "state": "pending_human",
        "variant": "default", "assigned_agent": None, "window": {"open": True, "note": None},
    }  # fmt: skip
    assert body["ticket"]["products"] == [PRODUCT]
    assert body["ticket"]["summary"] == "where is my order?"
    assert [(m["role"], m["text"]) for m in body["messages"]] == [
        ("shopper", "where is my order?"),
        ("assistant", "Here it is."),
    ]


def test_invalid_moves_and_other_agents_get_409(shop: Shop) -> None:
    conversation_id = ticket_for(shop.store, "web:e", "sales")
    shop.store.create_agent("sue", team="sales")
    shop.keys["sue"], key_hash = new_api_key()
    shop.store.update_agent("sue", api_key_hash=key_hash)
    assert shop.console("sam", "reopen", conversation_id).status_code == 409  # not closed
    assert shop.console("sam", "claim", conversation_id).status_code == 200
    taken = shop.console("sue", "reply", conversation_id, text="Hi!")
    assert taken.status_code == 409 and "sam" in taken.json()["detail"]
    assert shop.console("sam", "handback", conversation_id).status_code == 200
    assert shop.console("sam", "handback", conversation_id).status_code == 409  # bot already
    assert shop.console("sam", "close", conversation_id).status_code == 409
    long = shop.console("sam", "reply", conversation_id, text="x" * 4001)
    assert long.status_code == 422


def test_replies_respect_the_channel_windows(shop: Shop) -> None:
    whatsapp = ticket_for(shop.store, "whatsapp:16505550900", "sales", channel="whatsapp",
                          hours_ago=25)  # fmt: skip
    view = shop.client.get(
        f"/console/api/conversations/{whatsapp}", headers=shop.as_agent("sam")
    ).json()["conversation"]
    assert view["window"]["open"] is False and "24 hours" in view["window"]["note"]
    refused = shop.console("sam", "reply", whatsapp, text="Sorry for the wait!")
    assert refused.status_code == 422 and "24 hours" in refused.json()["detail"]
    recent = ticket_for(shop.store, "messenger:6843220485700900", "sales",
                        channel="messenger", hours_ago=72)  # fmt: skip
    assert shop.console("sam", "reply", recent, text="Sorry for the wait!").status_code == 200
    stale = ticket_for(shop.store, "messenger:6843220485700901", "sales",
                       channel="messenger", hours_ago=24 * 8)  # fmt: skip
    late = shop.console("sam", "reply", stale, text="Sorry for the wait!")
    assert late.status_code == 422 and "7 days" in late.json()["detail"]


def test_a_whatsapp_template_goes_only_when_asked_for(shop: Shop) -> None:
    from assistant.channels.settings import WhatsAppTemplate

    adapter = shop.client.app.state.adapters["whatsapp"]  # type: ignore[attr-defined]
    adapter.settings.template = WhatsAppTemplate(name="follow_up", language="en_US")
    conversation_id = ticket_for(shop.store, "whatsapp:16505550901", "sales",
                                 channel="whatsapp", hours_ago=30)  # fmt: skip
    view = shop.client.get(
        f"/console/api/conversations/{conversation_id}", headers=shop.as_agent("sam")
    ).json()["conversation"]
    note = "WhatsApp 24-hour window closed: only the template can be sent"
    assert view["window"] == {"open": False, "note": note}
    assert shop.console("sam", "reply", conversation_id, text="Hi").status_code == 422
    sent = shop.console("sam", "reply", conversation_id, text="Hi", send_template=True)
    assert sent.status_code == 200


def test_live_updates_come_from_the_database(shop: Shop) -> None:
    async def collect() -> list[str]:
        seen: list[str] = []
        stop = asyncio.Event()

        async def disconnected() -> bool:
            return stop.is_set()

        async def writer() -> None:
            await asyncio.sleep(0.15)  # after the stream took its first reading
            conversation_id = ticket_for(shop.store, "web:live", "sales")
            await asyncio.sleep(0.3)
            shop.console("sam", "claim", conversation_id)
            await asyncio.sleep(0.3)
            stop.set()

        task = asyncio.create_task(writer())

        def visible(conversation_ids: list[str]) -> set[str]:
            return shop.store.desk_visible(conversation_ids, team="sales", agent="sam")

        async for chunk in change_stream(shop.store, disconnected, visible, poll_s=0.05):
            seen.append(chunk)
        await task
        return seen

    chunks = asyncio.run(collect())
    assert chunks[0].startswith("retry:")
    events = [c.split("\n")[0] for c in chunks[1:]]
    assert events.count("event: queue") >= 2  # created, then claimed
    assert "event: message" in events
    assert all('"conversation_id": "web:live"' in c for c in chunks[1:])
