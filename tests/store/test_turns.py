"""begin_turn / finish_turn: a turn's bookkeeping in two transactions, on both backends."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage

from assistant.messages import InboundMessage, Reply
from assistant.store import Store


def _stored(store: Store) -> tuple[str, int]:
    conversation = store.get_or_create_conversation("conv-t", "web", "shopper", "default")
    row, _ = store.record_inbound(
        conversation.id, InboundMessage(channel="web", sender="shopper", text="hi")
    )
    return conversation.id, row.id


def test_begin_marks_processing_and_returns_history(store: Store) -> None:
    conversation_id, message_id = _stored(store)
    store.append_history(conversation_id, [HumanMessage("earlier"), AIMessage("before")])
    conversation, history = store.begin_turn(conversation_id, message_id)
    assert conversation.id == conversation_id
    assert [m.text for m in history] == ["earlier", "before"]
    assert [m.status for m in store.messages(conversation_id)] == ["processing"]


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
    assert store.earlier_unfinished(conversation_id, second.id)
    assert not store.earlier_unfinished(conversation_id, first)
    store.begin_turn(conversation_id, first)
    store.finish_turn(conversation_id, first, history=[], reply=None, channel="web")
    assert not store.earlier_unfinished(conversation_id, second.id)
