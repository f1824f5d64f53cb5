"""conversation_lock: one turn at a time per conversation, different conversations in parallel."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from assistant.store import ConversationBusy, Store


def _hold(store: Store, key: str, entered: threading.Event, release: threading.Event) -> None:
    with store.conversation_lock(key):
        entered.set()
        release.wait(timeout=10)


@contextmanager
def _held_by_another_thread(store: Store, key: str) -> Iterator[threading.Thread]:
    """The conversation's lock, held by another thread until the block ends."""
    entered, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold, args=(store, key, entered, release))
    holder.start()
    try:
        assert entered.wait(timeout=10)
        yield holder
    finally:
        release.set()
        holder.join(timeout=10)


def test_lock_if_free_holds_a_free_conversation_and_never_waits_for_a_busy_one(
    store: Store,
) -> None:
    with _held_by_another_thread(store, "c1"):
        started = time.monotonic()
        with store.conversation_lock_if_free("c1") as free:
            assert free is False
        assert time.monotonic() - started < 1.0  # did not wait for the holder
        with store.conversation_lock_if_free("c2") as free:
            assert free is True
            busy = pytest.raises(ConversationBusy)  # it is held while inside
            with busy, store.conversation_lock("c2", timeout_s=0.05):
                pass
    with store.conversation_lock_if_free("c1") as free:
        assert free is True


def test_second_turn_of_a_conversation_waits_for_the_first(store: Store) -> None:
    store.get_or_create_conversation("c1", "web", "s1", "default")
    entered, release = threading.Event(), threading.Event()
    order: list[str] = []
    holder = threading.Thread(target=_hold, args=(store, "c1", entered, release))
    holder.start()
    assert entered.wait(timeout=10)

    def second() -> None:
        with store.conversation_lock("c1"):
            order.append("second in")

    waiter = threading.Thread(target=second)
    waiter.start()
    time.sleep(0.3)
    assert order == []  # still waiting while the first turn holds the lock
    order.append("first out")
    release.set()
    holder.join(timeout=10)
    waiter.join(timeout=10)
    assert order == ["first out", "second in"]


def test_different_conversations_do_not_wait_for_each_other(store: Store) -> None:
    with _held_by_another_thread(store, "c1") as holder:
        started = time.monotonic()
        with store.conversation_lock("c2", timeout_s=5):
            assert holder.is_alive()
            history = store.append_history  # the store stays usable under a lock
        assert time.monotonic() - started < 2
        assert callable(history)


def test_lock_wait_is_bounded(store: Store) -> None:
    entered, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold, args=(store, "c1", entered, release))
    holder.start()
    try:
        assert entered.wait(timeout=10)
        started = time.monotonic()
        with pytest.raises(ConversationBusy), store.conversation_lock("c1", timeout_s=0.3):
            pass
        assert 0.25 <= time.monotonic() - started < 5
    finally:
        release.set()
        holder.join(timeout=10)
    with store.conversation_lock("c1", timeout_s=1):
        pass  # free again once released


def test_a_turn_under_the_lock_can_update_its_conversation(store: Store) -> None:
    conversation = store.get_or_create_conversation("c1", "web", "s1", "default")
    with store.conversation_lock(conversation.id, timeout_s=5):
        store.set_state(conversation.id, "pending_human")
        store.append_history(conversation.id, [])
        store.enqueue(conversation.id, "web", "s1", {"text": "hi"})
    current = store.get_conversation(conversation.id)
    assert current is not None and current.state == "pending_human"
