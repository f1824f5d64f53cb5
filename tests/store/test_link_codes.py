"""Identity links in the store: codes issued within limits, redeemed once, and the joining."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from assistant.messages import InboundMessage, Reply
from assistant.store import Store
from assistant.store.link_codes import Redemption
from assistant.store.models import LinkCode

PHONE = "+16505551234"


def _phone_chat(store: Store) -> str:
    """A WhatsApp conversation with two turns of memory and messages; returns its id."""
    conversation = store.get_or_create_conversation(
        "whatsapp:16505551234", "whatsapp", "16505551234", "default"
    )
    store.record_inbound(
        conversation.id,
        InboundMessage(channel="whatsapp", sender="16505551234", text="water bottles"),
    )
    store.record_outbound(conversation.id, Reply(text="1. Summit Bottle"), channel="whatsapp")
    call = {"name": "search_products", "args": {"query": "bottle"}, "id": "c1"}
    store.append_history(
        conversation.id,
        [
            HumanMessage("hi"),
            AIMessage("Hello!"),
            HumanMessage("water bottles"),
            AIMessage("", tool_calls=[call]),
            ToolMessage('{"products": []}', tool_call_id="c1", name="search_products"),
            AIMessage("1. Summit Bottle"),
        ],
    )
    return conversation.id


def _issue(
    store: Store, web: str, source: str, code_hash: str = "h" * 64, **changes: object
) -> LinkCode | None:
    now = datetime.now(UTC)
    values: dict[str, object] = {
        "channel": "whatsapp", "target": PHONE, "source_conversation_id": source,
        "code_hash": code_hash, "expires_at": now + timedelta(minutes=10),
        "since": now - timedelta(hours=1), "limit": 3,
    }  # fmt: skip
    values.update(changes)
    return store.issue_link_code(web, **values)  # type: ignore[arg-type]


def _redeem(store: Store, web: str, code_hash: str, **changes: object) -> Redemption:
    values: dict[str, object] = {
        "now": datetime.now(UTC), "max_attempts": 3, "history_messages": 5,
    }  # fmt: skip
    values.update(changes)
    return store.redeem_link_code(web, code_hash, **values)  # type: ignore[arg-type]


def test_a_phone_is_found_in_any_spelling_on_the_preferred_channel(store: Store) -> None:
    source = _phone_chat(store)
    store.get_or_create_conversation("sms:+16505551234", "sms", "+16505551234", "default")
    found = store.phone_conversation("+1 (650) 555-1234", ["whatsapp", "sms"])
    assert found is not None and found.id == source
    by_sms = store.phone_conversation("16505551234", ["sms", "whatsapp"])
    assert by_sms is not None and by_sms.channel == "sms"
    assert store.phone_conversation("+16505550000", ["whatsapp", "sms"]) is None
    assert store.phone_conversation(PHONE, ["messenger"]) is None


def test_codes_are_limited_per_phone_and_per_conversation(store: Store) -> None:
    source = _phone_chat(store)
    webs = [store.get_or_create_conversation(f"w{n}", "web", f"v{n}", "default").id for n in (1, 2)]
    assert all(_issue(store, webs[0], source) is not None for _ in range(3))
    assert _issue(store, webs[0], source) is None  # this conversation had its three
    assert _issue(store, webs[1], source) is None  # and so had the phone
    assert _issue(store, webs[1], source, target="+16505550000") is not None
    later = datetime.now(UTC) + timedelta(hours=2)
    assert _issue(store, webs[0], source, since=later - timedelta(hours=1)) is not None


def test_wrong_codes_count_down_then_lock_the_code(store: Store) -> None:
    source = _phone_chat(store)
    web = store.get_or_create_conversation("w1", "web", "v1", "default")
    _issue(store, web.id, source, code_hash="a" * 64)
    tries = [_redeem(store, web.id, "b" * 64) for _ in range(3)]
    assert [(t.outcome, t.remaining) for t in tries] == [("wrong", 2), ("wrong", 1), ("wrong", 0)]
    assert _redeem(store, web.id, "a" * 64).outcome == "locked"  # even the right code, now
    web_now, phone = store.get_conversation(web.id), store.get_conversation(source)
    assert web_now is not None and phone is not None
    assert web_now.customer_id != phone.customer_id
    assert store.linked_sources(web.id) == []


def test_expired_and_missing_codes_link_nothing(store: Store) -> None:
    source = _phone_chat(store)
    web = store.get_or_create_conversation("w1", "web", "v1", "default")
    assert _redeem(store, web.id, "a" * 64).outcome == "none"
    _issue(store, web.id, source, code_hash="a" * 64)
    late = datetime.now(UTC) + timedelta(minutes=11)
    assert _redeem(store, web.id, "a" * 64, now=late).outcome == "expired"
    assert store.linked_sources(web.id) == []
    assert store.load_history(web.id) == []


def test_a_new_code_supersedes_the_last_one(store: Store) -> None:
    source = _phone_chat(store)
    web = store.get_or_create_conversation("w1", "web", "v1", "default")
    _issue(store, web.id, source, code_hash="a" * 64)
    _issue(store, web.id, source, code_hash="c" * 64)
    assert _redeem(store, web.id, "a" * 64).outcome == "wrong"
    assert _redeem(store, web.id, "c" * 64).outcome == "linked"


def test_the_right_code_links_customer_identity_memory_and_messages(store: Store) -> None:
    source = _phone_chat(store)
    phone_customer = store.get_conversation(source).customer_id  # type: ignore[union-attr]
    web = store.get_or_create_conversation("w1", "web", "visitor-1", "default")
    store.record_inbound(web.id, InboundMessage(channel="web", sender="visitor-1", text="hey"))
    _issue(store, web.id, source, code_hash="a" * 64)
    redeemed = _redeem(store, web.id, "a" * 64)
    assert redeemed.outcome == "linked" and redeemed.customer_id == phone_customer
    assert redeemed.imported == 4  # the last whole turn: 5 allowed, cut back to a human message
    assert store.get_conversation(web.id).customer_id == phone_customer  # type: ignore[union-attr]
    assert store.identify("web", "visitor-1").id == phone_customer
    customer = store.get_customer(phone_customer or "")
    assert customer is not None and customer.phone == PHONE
    memory = store.load_history(web.id)
    assert isinstance(memory[0], SystemMessage) and "whatsapp" in memory[0].text
    assert [type(m).__name__ for m in memory[1:]] == [
        "HumanMessage", "AIMessage", "ToolMessage", "AIMessage",
    ]  # fmt: skip
    assert memory[-1].text == "1. Summit Bottle"
    said = [(m.channel, m.text) for m in store.linked_messages(web.id)]
    assert said == [("whatsapp", "water bottles"), ("whatsapp", "1. Summit Bottle"), ("web", "hey")]
    assert _redeem(store, web.id, "a" * 64).outcome == "none"  # used once only
    assert [s for s, _ in store.linked_sources(web.id)] == [source]


def test_concurrent_requests_never_exceed_the_limit(store: Store) -> None:
    source = _phone_chat(store)
    webs = [
        store.get_or_create_conversation(f"w{n}", "web", f"v{n}", "default").id for n in range(8)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        issued = list(pool.map(lambda web: _issue(store, web, source), webs))
    assert sum(code is not None for code in issued) == 3
