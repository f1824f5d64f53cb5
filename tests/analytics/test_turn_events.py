"""The events a turn writes, through the conversation core with the offline model: one per
step, each with the conversation's variant, nothing for a provider's retry."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.messages import InboundMessage
from assistant.retrieval.index import CatalogIndex
from assistant.store import Event

SENDER = "+15035550142"


@pytest.fixture
def concierge(demo_index: CatalogIndex, tmp_path: Path) -> Concierge:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    settings.prompts.variants = {"default": 0.5, "playful": 0.5}
    return Concierge.from_settings(settings, demo_index)


def _say(concierge: Concierge, text: str, provider_id: str) -> None:
    message = InboundMessage(
        channel="whatsapp", sender=SENDER, text=text, provider_message_id=provider_id
    )
    concierge.handle(message)


def _events(concierge: Concierge) -> list[Event]:
    return concierge.store.events(conversation_id=f"whatsapp:{SENDER}")


def test_a_search_turn_records_each_step_with_the_variant(concierge: Concierge) -> None:
    _say(concierge, "merino socks under $30", "wamid.1")
    events = _events(concierge)
    kinds = [e.kind for e in events]
    assert kinds[0] == "message_in" and kinds[-1] == "message_out"
    assert "tool_called" in kinds and "products_shown" in kinds
    conversation = concierge.store.get_conversation(f"whatsapp:{SENDER}")
    assert conversation is not None
    assert {e.variant for e in events} == {conversation.variant}
    shown = next(e for e in events if e.kind == "products_shown")
    assert shown.data["count"] == len(shown.data["product_ids"]) > 0
    tools = [e.data["tool"] for e in events if e.kind == "tool_called"]
    assert "search_products" in tools
    answer = events[-1]
    assert answer.data["by"] == "bot" and answer.data["latency_ms"] >= 0
    assert "error" not in answer.data
    inbound = concierge.store.messages(conversation.id)[0]
    assert events[0].data == {"message_id": inbound.id}
    assert events[0].created_at == inbound.created_at


def test_a_retry_writes_nothing_and_a_checkout_turn_records_its_link(
    concierge: Concierge,
) -> None:
    _say(concierge, "insulated water bottle", "wamid.1")
    _say(concierge, "insulated water bottle", "wamid.1")  # the provider's retry
    assert Counter(e.kind for e in _events(concierge))["message_in"] == 1
    _say(concierge, "I'll take the first one", "wamid.2")
    for n in range(3):
        if any(e.kind == "checkout_link_created" for e in _events(concierge)):
            break
        _say(concierge, "1", f"wamid.pick{n}")
    (created,) = [e for e in _events(concierge) if e.kind == "checkout_link_created"]
    (link,) = [
        m
        for m in concierge.store.messages(created.conversation_id or "")
        if m.payload.get("checkout_url")
    ]
    token = created.data["token"]
    assert token in str(link.payload["checkout_url"])
    assert concierge.store.resolve_and_record_click(token, "test") is not None
    (clicked,) = concierge.store.events(kind="link_clicked")
    assert clicked.data == {"token": token} and clicked.variant == created.variant


def test_a_handoff_is_recorded_and_the_waiting_turns_only_count_the_message(
    concierge: Concierge,
) -> None:
    _say(concierge, "I want to talk to a human please", "wamid.1")
    (handoff,) = [e for e in _events(concierge) if e.kind == "handoff"]
    assert handoff.data["by"] == "bot" and handoff.data["reason"]
    assert 0 <= handoff.data["confidence"] <= 1
    before = len(_events(concierge))
    _say(concierge, "hello? anyone there?", "wamid.2")  # a person has it: the bot is quiet
    after = _events(concierge)[before:]
    assert [e.kind for e in after] == ["message_in"]
