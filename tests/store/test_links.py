"""Checkout link tokens and clicks."""

from __future__ import annotations

import re
from datetime import timedelta

from assistant.store import Store
from assistant.store.models import utcnow

CART = "https://cairnandcompass.example/cart/4012:1?ref=concierge"


def test_tokens_are_long_random_and_url_safe(store: Store) -> None:
    conversation = store.get_or_create_conversation("wa:1", "whatsapp", "+447700900123", "default")
    tokens = {
        store.create_link(CART, conversation_id=conversation.id, channel="whatsapp")
        for _ in range(20)
    }
    assert len(tokens) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22,}", token) for token in tokens)


def test_resolving_a_token_records_the_click(store: Store) -> None:
    conversation = store.get_or_create_conversation("wa:1", "whatsapp", "+447700900123", "default")
    token = store.create_link(
        CART, conversation_id=conversation.id, channel="whatsapp", variant="playful"
    )
    before = utcnow()
    assert store.resolve_and_record_click(token, "Mozilla/5.0 " + "x" * 1000) == CART
    assert store.resolve_and_record_click(token, None) == CART
    first, second = store.clicks(token)
    assert before - timedelta(seconds=1) <= first.clicked_at <= utcnow()
    assert first.user_agent is not None and len(first.user_agent) == 256
    assert first.user_agent.startswith("Mozilla/5.0 x")
    assert second.user_agent is None


def test_unknown_token_resolves_to_nothing_and_records_nothing(store: Store) -> None:
    assert store.resolve_and_record_click("not-a-token", "curl") is None
    assert store.resolve_and_record_click("", "curl") is None
    assert store.resolve_and_record_click("x" * 500, "curl") is None
    assert store.clicks("not-a-token") == []
