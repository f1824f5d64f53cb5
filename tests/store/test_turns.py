"""begin_turn / receive_and_begin / finish_turn: a turn's bookkeeping in two transactions, on
both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from assistant.messages import InboundMessage, Reply
from assistant.store import RecordNotFound, Store
from assistant.store.preferences import Remembered
from assistant.store.turns import EARLIER_FIRST, Taken, TurnStart


def _stored(store: Store) -> tuple[str, int]:
    conversation = store.get_or_create_conversation("conv-t", "web", "shopper", "default")
    row, _ = store.record_inbound(
        conversation.id, InboundMessage(channel="web", sender="shopper", text="hi")
    )
    return conversation.id, row.id


def test_begin_marks_processing_and_returns_history(store: Store) -> None:
    conversation_id, message_id = _stored(store)
    store.append_history(conversation_id, [HumanMessage("earlier"), AIMessage("before")])
    begun = store.begin_turn(conversation_id, message_id)
    assert isinstance(begun, TurnStart)
    assert begun.conversation.id == conversation_id
    assert [m.text for m in begun.history] == ["earlier", "before"]
    assert [m.status for m in store.messages(conversation_id)] == ["processing"]


def test_begin_reads_the_customers_saved_preferences_with_the_turn(store: Store) -> None:
    conversation_id, message_id = _stored(store)
    conversation = store.get_conversation(conversation_id)
    assert conversation is not None and conversation.customer_id is not None
    store.remember_preferences(conversation.customer_id, "web", "shopper", {"size": "M"})
    begun = store.begin_turn(conversation_id, message_id)
    assert isinstance(begun, TurnStart)
    assert begun.remembered.preferences == {"size": "M"}
    assert begun.remembered.consent is True
    assert begun.remembered.linked is False


def test_receive_inbound_creates_the_conversation_and_keeps_the_message_once(
    store: Store,
) -> None:
    message = InboundMessage(
        channel="whatsapp", sender="+447700900123", text="hi", provider_message_id="wamid.1"
    )
    conversation, row, created = store.receive_inbound("whatsapp:+447700900123", "b", message)
    assert created and conversation.variant == "b" and conversation.customer_id is not None
    again, retry, created_again = store.receive_inbound("whatsapp:+447700900123", "a", message)
    assert not created_again and retry.id == row.id
    assert again.variant == "b"  # an existing conversation keeps its variant
    assert [m.text for m in store.messages(conversation.id)] == ["hi"]


def test_finish_writes_everything_at_once(store: Store) -> None:
    conversation_id, message_id = _stored(store)
    store.begin_turn(conversation_id, message_id)
    store.finish_turn(
        conversation_id,
        message_id,
        history=[HumanMessage("hi"), AIMessage("hello!")],
        reply=Reply(text="hello!"),
        channel="web",
        fallbacks=1,
        state="pending_human",
    )
    conversation = store.get_conversation(conversation_id)
    assert conversation is not None
    assert (conversation.state, conversation.consecutive_fallbacks) == ("pending_human", 1)
    rows = store.messages(conversation_id)
    assert [(m.direction, m.status) for m in rows] == [
        ("inbound", "processed"),
        ("outbound", "sent"),
    ]
    assert rows[1].text == "hello!" and rows[0].processed_at is not None
    assert [m.text for m in store.load_history(conversation_id)] == ["hi", "hello!"]


def test_finish_with_an_error_marks_the_message_failed(store: Store) -> None:
    conversation_id, message_id = _stored(store)
    store.finish_turn(
        conversation_id, message_id, history=[], reply=None, channel="web", error="model down"
    )
    [row] = store.messages(conversation_id)
    assert (row.status, row.error) == ("failed", "model down")


def test_a_message_already_answered_is_not_begun_again(store: Store) -> None:
    conversation_id, message_id = _stored(store)
    assert store.begin_turn(conversation_id, message_id) is not None
    store.finish_turn(
        conversation_id, message_id, history=[], reply=Reply(text="hi"), channel="web"
    )
    assert store.begin_turn(conversation_id, message_id) is None
    assert [m.status for m in store.messages(conversation_id)] == ["processed", "sent"]


def test_an_earlier_message_waiting_for_its_turn_is_seen(store: Store) -> None:
    conversation_id, first = _stored(store)
    second, _ = store.record_inbound(
        conversation_id, InboundMessage(channel="web", sender="shopper", text="and socks?")
    )
    assert store.begin_turn(conversation_id, second.id, earlier_first=True) == EARLIER_FIRST
    assert [m.status for m in store.messages(conversation_id)] == ["received", "received"]
    assert isinstance(store.begin_turn(conversation_id, first, earlier_first=True), TurnStart)
    store.finish_turn(conversation_id, first, history=[], reply=None, channel="web")
    assert isinstance(store.begin_turn(conversation_id, second.id, earlier_first=True), TurnStart)


def test_without_earlier_first_a_turn_begins_even_past_a_waiting_message(store: Store) -> None:
    conversation_id, _first = _stored(store)
    second, _ = store.record_inbound(
        conversation_id, InboundMessage(channel="web", sender="shopper", text="and socks?")
    )
    assert isinstance(store.begin_turn(conversation_id, second.id), TurnStart)


def _whatsapp(text: str, provider_id: str) -> InboundMessage:
    return InboundMessage(
        channel="whatsapp", sender="+447700900123", text=text, provider_message_id=provider_id
    )


def test_receive_and_begin_keeps_the_message_and_begins_its_turn_at_once(store: Store) -> None:
    taken = store.receive_and_begin("whatsapp:+447700900123", "b", _whatsapp("hi", "wamid.1"))
    assert isinstance(taken, Taken) and isinstance(taken.begun, TurnStart)
    assert taken.conversation.variant == "b" and taken.conversation.customer_id is not None
    assert taken.begun.history == [] and taken.begun.remembered.consent is None
    [row] = store.messages(taken.conversation.id)
    assert (row.id, row.text, row.status) == (taken.message_id, "hi", "processing")
    stored = store.get_conversation(taken.conversation.id)
    assert stored is not None and stored.last_inbound_at is not None


def test_the_turn_goes_on_with_the_new_last_inbound_time(store: Store) -> None:
    """The row a turn renders its reply with (the reply window of WhatsApp and Messenger is
    measured from the last inbound message) holds this message's time, not the one before."""
    older = _whatsapp("hi", "wamid.1")
    older.received_at = older.received_at - timedelta(hours=30)
    store.receive_and_begin("whatsapp:+447700900123", "a", older)
    newer = _whatsapp("still there?", "wamid.2")
    taken = store.receive_and_begin("whatsapp:+447700900123", "a", newer)
    assert taken is not None and isinstance(taken.begun, TurnStart)
    for row in (taken.conversation, taken.begun.conversation):
        assert _aware(row.last_inbound_at) == newer.received_at
    stored = store.get_conversation(taken.conversation.id)
    assert stored is not None and _aware(stored.last_inbound_at) == newer.received_at


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC datetimes."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def test_receive_and_begin_reads_history_and_saved_preferences(store: Store) -> None:
    first = store.receive_and_begin("whatsapp:+447700900123", "a", _whatsapp("hi", "wamid.1"))
    assert first is not None and isinstance(first.begun, TurnStart)
    conversation = first.conversation
    store.finish_turn(
        conversation.id, first.message_id, history=[HumanMessage("hi"), AIMessage("hello!")],
        reply=Reply(text="hello!"), channel="whatsapp", conversation=conversation,
    )  # fmt: skip
    assert conversation.customer_id is not None
    store.remember_preferences(conversation.customer_id, "whatsapp", "+447700900123", {"size": "M"})
    second = store.receive_and_begin("whatsapp:+447700900123", "a", _whatsapp("socks", "wamid.2"))
    assert second is not None and isinstance(second.begun, TurnStart)
    assert [m.text for m in second.begun.history] == ["hi", "hello!"]
    assert second.begun.remembered.preferences == {"size": "M"}
    assert second.begun.remembered.consent is True


def test_receive_and_begin_of_a_retry_writes_nothing(store: Store) -> None:
    taken = store.receive_and_begin("whatsapp:+447700900123", "a", _whatsapp("hi", "wamid.1"))
    assert taken is not None
    again = store.receive_and_begin("whatsapp:+447700900123", "a", _whatsapp("hi", "wamid.1"))
    assert again is None
    assert [m.status for m in store.messages(taken.conversation.id)] == ["processing"]


def test_receive_and_begin_lets_an_earlier_waiting_message_go_first(store: Store) -> None:
    conversation_id, first = _stored(store)
    message = InboundMessage(
        channel="web", sender="shopper", text="socks?", conversation_id="conv-t"
    )
    taken = store.receive_and_begin(conversation_id, "default", message, existing=True)
    assert taken is not None and taken.begun == EARLIER_FIRST
    rows = store.messages(conversation_id)
    assert [(m.id, m.status) for m in rows] == [(first, "received"), (taken.message_id, "received")]
    assert isinstance(store.begin_turn(conversation_id, first, earlier_first=True), TurnStart)


def test_receive_and_begin_of_an_existing_conversation_creates_nothing(store: Store) -> None:
    store.get_or_create_conversation("conv-w", "whatsapp", "+447700900123", "default")
    web = InboundMessage(channel="web", sender="visitor", text="hi", conversation_id="conv-x")
    with pytest.raises(RecordNotFound):
        store.receive_and_begin("conv-x", "default", web, existing=True)
    assert store.get_conversation("conv-x") is None
    other = web.model_copy(update={"conversation_id": "conv-w"})  # not a web conversation
    with pytest.raises(RecordNotFound):
        store.receive_and_begin("conv-w", "default", other, existing=True)
    with pytest.raises(RecordNotFound):
        store.receive_inbound("conv-w", "default", other, existing=True)
    assert store.messages("conv-w") == []


def test_finish_with_the_conversation_row_changes_only_what_changed(store: Store) -> None:
    conversation_id, message_id = _stored(store)
    begun = store.begin_turn(conversation_id, message_id)
    assert isinstance(begun, TurnStart)
    store.finish_turn(
        conversation_id, message_id, history=[HumanMessage("hi")], reply=Reply(text="hello"),
        channel="web", fallbacks=2, conversation=begun.conversation,
    )  # fmt: skip
    after = store.get_conversation(conversation_id)
    assert after is not None
    assert (after.consecutive_fallbacks, after.state) == (2, begun.conversation.state)
    assert after.updated_at >= begun.conversation.updated_at


def test_open_conversation_reads_what_its_customer_asked_to_be_remembered(store: Store) -> None:
    first, remembered = store.open_conversation("conv-o1", "web", "visitor-1", "a")
    assert remembered == Remembered()
    assert first.customer_id is not None
    store.remember_preferences(first.customer_id, "web", "visitor-1", {"categories": ["Socks"]})
    again, remembered = store.open_conversation("conv-o2", "web", "visitor-1", "b")
    assert again.customer_id == first.customer_id and again.variant == "b"
    assert remembered.preferences == {"categories": ["Socks"]} and remembered.consent is True
