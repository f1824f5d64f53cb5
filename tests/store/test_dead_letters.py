"""Dead letters in the store, on both backends: a message whose turn keeps failing, or keeps
stopping its worker, is set aside after the bounded tries and never begun again."""

from __future__ import annotations

import logging

import pytest

from assistant.messages import InboundMessage
from assistant.store import Store
from assistant.store.dead_letters import DEAD_LETTER
from assistant.store.models import ConversationRow, MessageRow


def _kept(store: Store, sender: str = "16505550100") -> tuple[ConversationRow, MessageRow]:
    message = InboundMessage(channel="whatsapp", sender=sender, text="rain\x00 jacket")
    conversation, row, created = store.receive_inbound(f"whatsapp:{sender}", "default", message)
    assert created
    return conversation, row


def _row(store: Store, conversation_id: str) -> MessageRow:
    [row] = store.messages(conversation_id)
    return row


def test_a_failed_turn_is_retried_then_set_aside(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    conversation, row = _kept(store)
    for tries in (1, 2, 3):
        assert store.begin_turn(conversation.id, row.id, max_attempts=3) is not None
        outcome = store.turn_failed(
            conversation.id, row.id, "ValueError: rain\x00 jacket", max_attempts=3
        )
        assert outcome == ("dead" if tries == 3 else "retry")
        kept = _row(store, conversation.id)
        assert kept.attempts == tries
        assert kept.status == ("dead" if tries == 3 else "received")
    assert kept.error == "ValueError: rain jacket"  # storable, like any text
    assert store.begin_turn(conversation.id, row.id, max_attempts=3) is None  # never again
    assert [r.id for r in store.unprocessed_inbound()] == []
    assert [r.id for r in store.dead_letters()] == [row.id]
    [event] = store.events(kind=DEAD_LETTER)
    assert event.conversation_id == conversation.id
    assert event.data == {"message_id": row.id, "attempts": 3, "channel": "whatsapp"}
    [alert] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "dead letter" in alert.getMessage() and "rain" not in alert.getMessage()


def test_a_turn_that_never_finishes_is_set_aside_when_begun_again(store: Store) -> None:
    conversation, row = _kept(store)
    for _ in range(3):  # each try stopped its worker: begun, never finished
        assert store.begin_turn(conversation.id, row.id, max_attempts=3) is not None
    assert store.begin_turn(conversation.id, row.id, max_attempts=3) is None
    assert _row(store, conversation.id).status == "dead"
    assert len(store.events(kind=DEAD_LETTER)) == 1


def test_a_failure_after_the_answer_changes_nothing(store: Store) -> None:
    conversation, row = _kept(store)
    assert store.begin_turn(conversation.id, row.id, max_attempts=3) is not None
    store.finish_turn(conversation.id, row.id, history=[], reply=None, channel="whatsapp")
    assert store.turn_failed(conversation.id, row.id, "late", max_attempts=1) == "answered"
    assert _row(store, conversation.id).status == "processed"


def test_a_message_put_back_does_not_hold_up_the_next_one(store: Store) -> None:
    conversation, row = _kept(store)
    assert store.begin_turn(conversation.id, row.id, max_attempts=3) is not None
    store.turn_failed(conversation.id, row.id, "ValueError", max_attempts=3)
    later = InboundMessage(channel="whatsapp", sender="16505550100", text="merino socks")
    _, next_row, _ = store.receive_inbound(conversation.id, "default", later)
    begun = store.begin_turn(conversation.id, next_row.id, earlier_first=True, max_attempts=3)
    assert begun is not None and begun != "earlier first"
