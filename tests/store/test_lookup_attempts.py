"""Order lookup limits counted in the store, on SQLite and PostgreSQL: per order and per client
across limiters (workers), a sliding window, pruning, keyed hashes only, races."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from assistant.orders import (
    InMemoryOrderSource,
    LookupLimiter,
    LookupLimits,
    Order,
    OrderDesk,
    OrderLookupLocked,
    OrderNotVerified,
    requester_key,
)
from assistant.store import Store
from assistant.store.models import OrderLookupAttempt

KEY = b"k" * 32
LIMITS = LookupLimits(per_order=3, per_client=5, window=timedelta(hours=1))


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _rows(store: Store) -> list[OrderLookupAttempt]:
    with store.session(write=False) as session:
        return list(session.scalars(select(OrderLookupAttempt)))


def test_misses_past_the_order_limit_are_refused_whoever_asks(store: Store) -> None:
    limiter = LookupLimiter(store, KEY, LIMITS)
    for n in range(3):
        assert limiter.admit("#W1000001", f"address:10.0.0.{n}") is not None
    assert limiter.admit("#W1000001", "address:10.0.0.9") is None
    assert limiter.admit("#W1000002", "address:10.0.0.9") is not None  # another order


def test_misses_past_the_client_limit_are_refused_whatever_the_order(store: Store) -> None:
    limiter = LookupLimiter(store, KEY, LIMITS)
    for n in range(5):
        assert limiter.admit(f"#W100000{n}", "whatsapp:15550001") is not None
    assert limiter.admit("#W1000009", "whatsapp:15550001") is None
    assert limiter.admit("#W1000009", "whatsapp:15550002") is not None  # another sender


def test_two_workers_share_the_count(store: Store) -> None:
    other = Store.open(store.engine.url.render_as_string(hide_password=False))
    try:
        first, second = LookupLimiter(store, KEY, LIMITS), LookupLimiter(other, KEY, LIMITS)
        assert first.admit("#W1000001", "a") is not None
        assert second.admit("#W1000001", "b") is not None
        assert first.admit("#W1000001", "c") is not None
        assert second.admit("#W1000001", "d") is None
    finally:
        other.close()


def test_released_and_refused_tries_do_not_count(store: Store) -> None:
    limiter = LookupLimiter(store, KEY, LIMITS)
    for _ in range(10):  # shown orders give their try back
        held = limiter.admit("#W1000001", "a")
        assert held is not None
        limiter.release(held)
    held_tries = [limiter.admit("#W1000001", "a") for _ in range(3)]
    assert all(held is not None for held in held_tries)
    for _ in range(5):
        assert limiter.admit("#W1000001", "a") is None
    assert len(_rows(store)) == 6  # 3 misses x (order, client); refusals left nothing


def test_the_window_slides_and_old_rows_are_pruned(store: Store) -> None:
    clock = Clock()
    limiter = LookupLimiter(store, KEY, LIMITS, clock=clock)
    for _ in range(3):
        assert limiter.admit("#W1000001", "a") is not None
        clock.now += timedelta(minutes=20)
    assert limiter.admit("#W1000001", "a") is None  # 3 misses in the last hour
    clock.now += timedelta(minutes=1)  # the first miss is now older than the hour
    assert limiter.admit("#W1000001", "a") is not None
    assert limiter.admit("#W1000001", "a") is None
    clock.now += timedelta(hours=2)
    assert limiter.admit("#W1000002", "b") is not None
    assert len(_rows(store)) == 2  # everything older than the window was pruned


def test_only_keyed_hashes_are_kept(store: Store) -> None:
    limiter = LookupLimiter(store, KEY, LIMITS)
    limiter.admit("#W1000001", requester_key("web", "v-1", "203.0.113.5"))
    limiter.admit("#W1000001", requester_key("sms", "+15550100"))
    rows = _rows(store)
    assert {r.scope for r in rows} == {"order", "client"}
    kept = " ".join(f"{r.scope} {r.key_hash}" for r in rows)
    for raw in ("W1000001", "1000001", "203.0.113", "15550100"):
        assert raw not in kept
    assert all(len(r.key_hash) == 64 for r in rows)
    other_key = LookupLimiter(store, b"x" * 32, LIMITS)  # another secret: other hashes
    for _ in range(3):
        assert other_key.admit("#W1000001", None) is not None


def test_a_person_is_offered_once_per_requester_and_window(store: Store) -> None:
    clock = Clock()
    limiter = LookupLimiter(store, KEY, LIMITS, clock=clock)
    assert limiter.offer_once("address:203.0.113.5")
    assert not limiter.offer_once("address:203.0.113.5")
    assert limiter.offer_once("whatsapp:15550001")
    assert not limiter.offer_once(None)
    clock.now += timedelta(hours=1, seconds=1)
    assert limiter.offer_once("address:203.0.113.5")


def test_racing_workers_never_pass_the_limit(store: Store) -> None:
    limiter = LookupLimiter(store, KEY, LIMITS)
    with ThreadPoolExecutor(max_workers=8) as pool:
        held = list(pool.map(lambda n: limiter.admit("#W1000001", f"c{n}"), range(24)))
    assert sum(h is not None for h in held) == LIMITS.per_order  # the first ones, exactly


def _answer(desk: OrderDesk, order_id: str, proof: str, requester: str) -> str:
    try:
        return desk.lookup(order_id, proof, requester).id
    except OrderLookupLocked as exc:
        return f"locked: {exc}"
    except OrderNotVerified as exc:
        return f"missed: {exc}"


def test_the_desk_refuses_alike_when_locked(store: Store) -> None:
    order = Order(id="#W1000001", status="shipped", email="maya@example.com", zip="97202")
    source = InMemoryOrderSource([order])
    desk = OrderDesk(source, LookupLimiter(store, KEY, LIMITS))
    for n, proof in enumerate(("11111", "22222", "33333")):
        assert _answer(desk, "#W1000001", proof, f"a{n}").startswith("missed: ")
        assert _answer(desk, "#W7777777", proof, f"b{n}").startswith("missed: ")
    fetched = len(source.requested)
    answers = {
        _answer(desk, "#W1000001", "97202", "c"),  # the right proof, during the lockout
        _answer(desk, "#W1000001", "44444", "d"),
        _answer(desk, "#W7777777", "97202", "e"),  # no such order
    }
    assert len(answers) == 1 and answers.pop().startswith("locked: ")
    assert len(source.requested) == fetched  # nothing is fetched during a lockout
    assert _answer(desk, "#W1000002", "97202", "c").startswith("missed: ")
