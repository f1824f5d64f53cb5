"""Conversations live in the store: retries answered once, state and history survive restarts."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.messages import InboundMessage, Reply
from assistant.retrieval.index import CatalogIndex
from assistant.store import MessageRow


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]


def _message(text: str, provider_id: str) -> InboundMessage:
    return InboundMessage(
        channel="whatsapp", sender="+15035550142", text=text, provider_message_id=provider_id
    )


def test_a_provider_retry_is_stored_once_and_answered_once(
    demo_index: CatalogIndex, tmp_path: Path
) -> None:
    concierge = Concierge.from_settings(_settings(tmp_path), demo_index)
    first = concierge.handle(_message("merino socks", "wamid.1"))
    retry = concierge.handle(_message("merino socks", "wamid.1"))
    assert first.products and retry.text == "" and retry.products == []
    conversation = concierge.conversation(_message("", "x"))
    inbound = [m for m in concierge.store.messages(conversation.id) if m.direction == "inbound"]
    assert [m.provider_message_id for m in inbound] == ["wamid.1"]
    assert inbound[0].status == "processed"


def test_history_and_state_survive_a_restart(demo_index: CatalogIndex, tmp_path: Path) -> None:
    before = Concierge.from_settings(_settings(tmp_path), demo_index)
    search = before.handle(_message("waterproof jacket under $200", "wamid.2"))
    second_title = search.products[1].title
    after = Concierge.from_settings(_settings(tmp_path), demo_index)  # a new process, same database
    follow = after.handle(_message("does the second one come in black?", "wamid.3"))
    assert second_title in follow.text
    after.handle(_message("I want a human", "wamid.4"))
    again = Concierge.from_settings(_settings(tmp_path), demo_index)
    assert again.handle(_message("hello?", "wamid.5")).text == ""  # still with a person
    conversation = again.conversation(_message("", "x"))
    assert conversation.state == "pending_human"
    said = [role for role, _ in again.transcript(conversation.id)]
    assert said.count("shopper") == 4 and said.count("assistant") == 3


def test_a_message_answered_by_one_worker_is_not_answered_again_by_another(
    demo_index: CatalogIndex, tmp_path: Path
) -> None:
    """Two workers on one database: the second one's recovery sees the message in flight (stored
    before it started) but finds it answered once it holds the conversation, and stays quiet."""
    first = Concierge.from_settings(_settings(tmp_path), demo_index)
    second = Concierge.from_settings(_settings(tmp_path), demo_index)
    received = first.receive(_message("merino socks", "wamid.6"))
    assert received is not None
    [stale] = second.store.unprocessed_inbound()  # what the second worker's recovery would pick
    answered = [r for r in first.process(*received) if not isinstance(r, str)]
    conversation = second.get(stale.conversation_id)
    assert conversation is not None
    message = InboundMessage.model_validate(stale.payload)
    replayed = [
        r for r in second.process(conversation, stale.id, message) if not isinstance(r, str)
    ]
    assert answered[-1].products and replayed[-1].text == ""
    said = [role for role, _ in second.transcript(conversation.id)]
    assert said == ["shopper", "assistant"]


def test_a_message_arriving_during_another_turn_is_stored_at_once_then_answered(
    demo_index: CatalogIndex, tmp_path: Path
) -> None:
    """A free conversation keeps the message and begins its turn in one transaction; a busy one
    must not leave the message unstored while it waits for the turn in progress."""
    concierge = Concierge.from_settings(_settings(tmp_path), demo_index)
    concierge.handle(_message("hi", "wamid.7"))  # the conversation exists, nothing is running
    conversation = concierge.conversation(_message("", "x"))
    turn_running, turn_over = threading.Event(), threading.Event()

    def running_turn() -> None:
        with concierge.store.conversation_lock(conversation.id):
            turn_running.set()
            turn_over.wait(timeout=10)

    holder = threading.Thread(target=running_turn)
    holder.start()
    assert turn_running.wait(timeout=10)
    replies: list[Reply] = []
    waiter = threading.Thread(
        target=lambda: replies.append(concierge.handle(_message("merino socks", "wamid.8")))
    )
    waiter.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not _inbound(concierge, conversation.id, "wamid.8"):
            time.sleep(0.02)
        [waiting] = _inbound(concierge, conversation.id, "wamid.8")
        assert waiting.status == "received" and replies == []
    finally:
        turn_over.set()
        holder.join(timeout=10)
    waiter.join(timeout=30)
    assert replies and replies[0].products
    [answered] = _inbound(concierge, conversation.id, "wamid.8")
    assert answered.status == "processed"


def _inbound(concierge: Concierge, conversation_id: str, provider_id: str) -> list[MessageRow]:
    rows = concierge.store.messages(conversation_id)
    return [r for r in rows if r.provider_message_id == provider_id]
