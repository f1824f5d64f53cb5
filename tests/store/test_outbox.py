"""The outbox: order per conversation, concurrent claimers, backoff, dead letters, reclaim."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

from assistant.messages import Reply
from assistant.store import Backoff, OutboxItem, Store
from assistant.store.models import utcnow


def _conversation(store: Store, key: str) -> str:
    return store.get_or_create_conversation(key, "sms", f"+1555{key}", "default").id


def _enqueue(store: Store, conversation_id: str, n: int) -> OutboxItem:
    return store.enqueue(conversation_id, "sms", "+15550100", {"body": f"part {n}"})


def test_items_of_a_conversation_go_out_one_at_a_time_in_order(store: Store) -> None:
    a, b = _conversation(store, "a"), _conversation(store, "b")
    a1, a2, b1 = _enqueue(store, a, 1), _enqueue(store, a, 2), _enqueue(store, b, 1)
    first = store.claim_due(limit=10)
    assert [i.id for i in first] == [a1.id, b1.id]
    assert all(i.status == "sending" and i.attempts == 1 for i in first)
    assert store.claim_due() == []  # a2 waits while a1 is sending
    store.mark_failed(a1.id, "503 from provider")  # retried after a backoff of 1-2 s
    assert store.claim_due() == []  # ... and while a1 waits for its retry
    (retried,) = store.claim_due(now=utcnow() + timedelta(hours=1))
    assert retried.id == a1.id and retried.attempts == 2
    store.mark_sent(a1.id, "SM1")
    assert [i.id for i in store.claim_due()] == [a2.id]


def test_concurrent_claimers_never_get_the_same_item(store: Store) -> None:
    items = [_enqueue(store, _conversation(store, str(n)), n) for n in range(24)]
    start = threading.Barrier(3)
    claimed: list[list[int]] = [[], [], []]
    errors: list[BaseException] = []

    def claimer(mine: list[int]) -> None:
        try:
            start.wait(timeout=10)
            while batch := store.claim_due(limit=3):
                mine.extend(item.id for item in batch)
        except BaseException as error:  # surfaced below; a thread cannot fail the test itself
            errors.append(error)

    threads = [threading.Thread(target=claimer, args=(mine,)) for mine in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    every = [item_id for mine in claimed for item_id in mine]
    assert sorted(every) == sorted(item.id for item in items)  # all claimed, none twice


def test_concurrent_claimers_keep_a_conversation_in_order(store: Store) -> None:
    conversation = _conversation(store, "x")
    items = [_enqueue(store, conversation, n) for n in range(3)]
    results: list[list[OutboxItem]] = []
    threads = [threading.Thread(target=lambda: results.append(store.claim_due())) for _ in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(len(batch) for batch in results) == [0, 1]
    assert [i.id for batch in results for i in batch] == [items[0].id]


def test_backoff_then_dead_letter_after_max_attempts(store: Store) -> None:
    store.outbox_backoff = Backoff(base_s=10, cap_s=25, max_attempts=3)
    conversation = _conversation(store, "a")
    reply = Reply(text="Your order shipped")
    message, (item, later) = store.queue_reply(
        conversation, reply, channel="sms", recipient="+15550100", payloads=[{"n": 1}, {"n": 2}]
    )
    now = utcnow()
    waits = []
    for attempt in (1, 2):
        (claimed,) = store.claim_due(now=now)
        assert claimed.id == item.id and claimed.attempts == attempt
        failed = store.mark_failed(item.id, "timeout", now=now)
        assert failed.status == "pending" and failed.last_error == "timeout"
        waits.append(failed.next_attempt_at - now)
        assert store.claim_due(now=now) == []
        now = failed.next_attempt_at
    assert timedelta(seconds=5) <= waits[0] <= timedelta(seconds=10)
    assert timedelta(seconds=10) <= waits[1] <= timedelta(seconds=20)
    store.claim_due(now=now)
    dead = store.mark_failed(item.id, "timeout again", now=now)
    assert (dead.status, dead.attempts) == ("dead", 3)
    assert store.messages(conversation)[-1].status == "failed"
    assert [i.id for i in store.claim_due(now=now)] == [later.id]  # the dead one holds no one
    assert message.id == dead.message_id


def test_permanent_failure_and_retry_after(store: Store) -> None:
    conversation = _conversation(store, "a")
    first, second = _enqueue(store, conversation, 1), _enqueue(store, conversation, 2)
    store.claim_due()
    assert store.mark_failed(first.id, "invalid number", permanent=True).status == "dead"
    now = utcnow()
    store.claim_due(now=now)
    waiting = store.mark_failed(second.id, "429", retry_after=timedelta(hours=2), now=now)
    assert waiting.next_attempt_at - now >= timedelta(hours=2)


def test_sent_item_records_the_provider_id_on_the_reply(store: Store) -> None:
    conversation = _conversation(store, "a")
    message, (item,) = store.queue_reply(
        conversation, Reply(text="hi"), channel="sms", recipient="+15550100", payloads=[{}]
    )
    store.claim_due()
    sent = store.mark_sent(item.id, "SM123")
    assert (sent.status, sent.provider_message_id) == ("sent", "SM123")
    assert store.record_delivery_status("sms", "SM123", "delivered")
    (row,) = store.messages(conversation)
    assert (row.id, row.status, row.provider_message_id) == (message.id, "delivered", "SM123")


def test_reclaim_items_left_sending_by_a_dead_sender(store: Store) -> None:
    store.outbox_backoff = Backoff(max_attempts=2)
    conversation = _conversation(store, "a")
    item = _enqueue(store, conversation, 1)
    t0 = utcnow()
    store.claim_due(now=t0)
    assert store.reclaim_stuck(timedelta(minutes=5), now=t0 + timedelta(minutes=1)) == 0
    assert store.reclaim_stuck(timedelta(minutes=5), now=t0 + timedelta(minutes=6)) == 1
    back = store.outbox_item(item.id)
    assert back is not None and back.status == "pending" and back.claimed_at is None
    (again,) = store.claim_due(now=t0 + timedelta(minutes=6))
    assert again.attempts == 2
    assert store.reclaim_stuck(timedelta(minutes=5), now=t0 + timedelta(minutes=12)) == 1
    dead = store.outbox_item(item.id)
    assert dead is not None and dead.status == "dead"


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    backoff = Backoff(base_s=2, cap_s=60, max_attempts=5)
    rng = random.Random(7)
    for attempt, ceiling in [(1, 2), (2, 4), (3, 8), (6, 60), (20, 60)]:
        delays = {backoff.delay(attempt, rng).total_seconds() for _ in range(20)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered
    assert not backoff.exhausted(4) and backoff.exhausted(5)


def test_an_uncertain_send_is_never_claimed_again_and_holds_nothing_back(store: Store) -> None:
    a = _conversation(store, "a")
    a1, a2 = _enqueue(store, a, 1), _enqueue(store, a, 2)
    (claimed,) = store.claim_due()
    assert claimed.id == a1.id
    uncertain = store.mark_uncertain(a1.id, "no answer within 10 s: the provider may have it")
    assert uncertain.status == "uncertain" and uncertain.claimed_at is None
    assert [i.id for i in store.claim_due()] == [a2.id]  # the next part goes on
    later = utcnow() + timedelta(days=1)
    assert store.claim_due(now=later) == []  # never again, however long we wait
    assert store.reclaim_stuck(timedelta(minutes=5), now=later) == 1  # a2, left sending
    assert [i.id for i in store.claim_due(now=later)] == [a2.id]
    assert [i.id for i in store.uncertain_items()] == [a1.id]
    kept = store.outbox_item(a1.id)
    assert kept is not None and kept.status == "uncertain"
    assert "may have it" in (kept.last_error or "")
