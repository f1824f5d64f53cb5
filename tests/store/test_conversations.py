"""Conversations, inbound de-duplication, outbound replies, state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from assistant.messages import InboundMessage, ProductCard, Reply
from assistant.store import Store, StoreConflict


def _inbound(text: str, provider_id: str | None = None, **fields: object) -> InboundMessage:
    return InboundMessage(
        channel="whatsapp", sender="+447700900123", text=text, provider_message_id=provider_id,
        **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def test_get_or_create_conversation_is_idempotent(store: Store) -> None:
    first = store.get_or_create_conversation("wa:1", "whatsapp", "+447700900123", "default")
    again = store.get_or_create_conversation("wa:1", "whatsapp", "+447700900123", "playful")
    assert (again.id, again.variant, again.state) == ("wa:1", "default", "bot")
    assert again.customer_id == first.customer_id is not None
    assert first.created_at.tzinfo is not None
    assert store.identify("whatsapp", "+447700900123").id == first.customer_id


def test_webhook_retry_is_deduplicated_by_provider_message_id(store: Store) -> None:
    conversation = store.get_or_create_conversation("wa:1", "whatsapp", "+447700900123", "default")
    row, created = store.record_inbound(conversation.id, _inbound("hi", "wamid.A"))
    retry, created_again = store.record_inbound(conversation.id, _inbound("hi", "wamid.A"))
    assert created and not created_again
    assert retry.id == row.id
    other, created_other = store.record_inbound(conversation.id, _inbound("hello", "wamid.B"))
    assert created_other and other.id != row.id
    assert [m.text for m in store.messages(conversation.id)] == ["hi", "hello"]


def test_same_provider_id_on_another_channel_is_a_new_message(store: Store) -> None:
    conversation = store.get_or_create_conversation("c", "whatsapp", "+447700900123", "default")
    _, first = store.record_inbound(conversation.id, _inbound("a", "id-1"))
    sms = InboundMessage(
        channel="sms", sender="+447700900123", text="b", provider_message_id="id-1"
    )
    _, second = store.record_inbound(conversation.id, sms)
    assert first and second


def test_messages_without_provider_id_are_never_merged(store: Store) -> None:
    conversation = store.get_or_create_conversation("web:1", "web", "session-1", "default")
    web = InboundMessage(channel="web", sender="session-1", text="same text")
    results = [store.record_inbound(conversation.id, web) for _ in range(2)]
    assert [created for _, created in results] == [True, True]
    assert results[0][0].id != results[1][0].id


def test_inbound_keeps_payload_and_updates_the_24_hour_window(store: Store) -> None:
    conversation = store.get_or_create_conversation("wa:1", "whatsapp", "+447700900123", "default")
    received = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    row, _ = store.record_inbound(
        conversation.id, _inbound("size M?", "wamid.C", quick_reply="M", received_at=received)
    )
    assert row.status == "received" and row.direction == "inbound"
    assert row.payload["quick_reply"] == "M"
    assert row.created_at == received
    refreshed = store.get_conversation(conversation.id)
    assert refreshed is not None and refreshed.last_inbound_at == received


def test_processing_status_and_replay_of_unfinished_messages(store: Store) -> None:
    conversation = store.get_or_create_conversation("wa:1", "whatsapp", "+447700900123", "default")
    done, _ = store.record_inbound(conversation.id, _inbound("one", "m1"))
    broken, _ = store.record_inbound(conversation.id, _inbound("two", "m2"))
    waiting, _ = store.record_inbound(conversation.id, _inbound("three", "m3"))
    store.mark_processing(done.id)
    store.mark_processed(done.id)
    store.mark_processed(broken.id, error="model timed out")
    store.mark_processing(waiting.id)
    assert [m.id for m in store.unprocessed_inbound()] == [waiting.id]
    by_id = {m.id: m for m in store.messages(conversation.id)}
    assert by_id[done.id].status == "processed" and by_id[done.id].processed_at is not None
    assert (by_id[broken.id].status, by_id[broken.id].error) == ("failed", "model timed out")
    past = datetime.now(UTC) - timedelta(days=1)
    assert store.unprocessed_inbound(before=past) == []


def test_outbound_reply_and_delivery_receipts(store: Store) -> None:
    conversation = store.get_or_create_conversation("wa:1", "whatsapp", "+447700900123", "default")
    card = ProductCard(product_id="p1", title="Trail boot", price=Decimal("129.00"), in_stock=True)
    reply = Reply(text="Here you go", products=[card])
    row = store.record_outbound(
        conversation.id, reply, channel="whatsapp", provider_message_id="o1"
    )
    assert row.direction == "outbound" and row.status == "queued"
    assert row.payload["products"][0]["price"] == "129.00"
    assert store.record_delivery_status("whatsapp", "o1", "read")
    assert not store.record_delivery_status("whatsapp", "unknown", "read")
    assert store.messages(conversation.id)[-1].status == "read"


def test_state_fallbacks_and_assigned_agent(store: Store) -> None:
    conversation = store.get_or_create_conversation("wa:1", "whatsapp", "+447700900123", "default")
    store.set_fallbacks(conversation.id, 2)
    store.set_state(conversation.id, "pending_human")
    taken = store.set_state(conversation.id, "human", assigned_agent="sam@shop.example")
    assert (taken.state, taken.assigned_agent, taken.consecutive_fallbacks) == (
        "human", "sam@shop.example", 2,
    )  # fmt: skip
    back = store.set_state(conversation.id, "bot", assigned_agent=None)
    assert back.assigned_agent is None and back.updated_at >= conversation.updated_at
    with pytest.raises(StoreConflict):
        store.set_state(conversation.id, "sleeping")  # type: ignore[arg-type]
    current = store.get_conversation(conversation.id)
    assert current is not None and current.state == "bot"
