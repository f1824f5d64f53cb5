"""Analytics events: recorded on their own, inside a turn, and on a checkout link's click."""

from __future__ import annotations

from datetime import timedelta

import pytest
from langchain_core.messages import HumanMessage

from assistant.messages import InboundMessage, Reply
from assistant.store import Store, StoreConflict
from assistant.store.events import NewEvent
from assistant.store.models import utcnow

CART = "https://cairnandcompass.example/cart/4012:1?ref=concierge"


def test_events_are_recorded_and_filtered(store: Store) -> None:
    conversation = store.get_or_create_conversation("web:1", "web", "s1", "default")
    store.record_event(conversation.id, "reply", variant="default", data={"n": 1})
    store.record_event(conversation.id, "handoff", data={"reason": "asked"})
    store.record_event(None, "reply", data={"n": 2})
    assert [e.data["n"] for e in store.events(kind="reply")] == [1, 2]
    assert [e.kind for e in store.events(conversation_id=conversation.id)] == ["reply", "handoff"]


def test_an_event_takes_the_conversations_variant_unless_given(store: Store) -> None:
    conversation = store.get_or_create_conversation("web:2", "web", "s2", "playful")
    store.record_event(conversation.id, "csat", data={"rating": 5})
    store.record_event(conversation.id, "csat", variant="other", data={"rating": 4})
    store.record_event(None, "csat", data={"rating": 3})
    variants = [(e.data["rating"], e.variant) for e in store.events(kind="csat")]
    assert variants == [(5, "playful"), (4, "other"), (3, None)]


def test_an_event_of_an_unknown_conversation_is_refused(store: Store) -> None:
    with pytest.raises(StoreConflict):
        store.record_event("no-such-conversation", "csat", data={"rating": 2})
    assert store.events() == []


def test_events_since_a_time_and_backdated(store: Store) -> None:
    conversation = store.get_or_create_conversation("web:3", "web", "s3", "default")
    store.record_event(conversation.id, "message_in", at=utcnow() - timedelta(days=3))
    store.record_event(conversation.id, "message_in")
    recent = store.events(since=utcnow() - timedelta(days=1))
    assert len(recent) == 1
    assert recent[0].created_at > utcnow() - timedelta(minutes=1)


def test_a_bad_kind_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="event kind"):
        store.record_event(None, "")
    with pytest.raises(ValueError, match="event kind"):
        store.record_event(None, "k" * 65)
    assert store.events() == []


def test_a_turns_events_are_written_with_the_turn(store: Store) -> None:
    conversation = store.get_or_create_conversation("wa:1", "whatsapp", "+447700900123", "b")
    inbound = InboundMessage(channel="whatsapp", sender="+447700900123", text="hi")
    row, _ = store.record_inbound(conversation.id, inbound)
    store.begin_turn(conversation.id, row.id)
    earlier = utcnow() - timedelta(seconds=5)
    store.finish_turn(
        conversation.id,
        row.id,
        history=[HumanMessage("hi")],
        reply=Reply(text="Hello!"),
        channel="whatsapp",
        events=[
            NewEvent("message_in", {"message_id": row.id}, at=earlier),
            NewEvent("message_out", {"by": "bot"}),
        ],
    )
    events = store.events(conversation_id=conversation.id)
    assert [(e.kind, e.variant) for e in events] == [("message_in", "b"), ("message_out", "b")]
    assert abs(events[0].created_at - earlier) < timedelta(milliseconds=1)
    assert events[0].data == {"message_id": row.id}


def test_a_click_writes_a_link_clicked_event(store: Store) -> None:
    conversation = store.get_or_create_conversation("sms:1", "sms", "+15005550006", "playful")
    token = store.create_link(CART, conversation_id=conversation.id, channel="sms", variant="x")
    assert store.resolve_and_record_click(token, "curl") == CART
    assert store.resolve_and_record_click("unknown", "curl") is None
    (event,) = store.events(kind="link_clicked")
    assert (event.conversation_id, event.variant, event.data) == (
        conversation.id,
        "x",
        {"token": token},
    )
