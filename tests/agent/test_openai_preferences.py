"""The OpenAI path gets saved preferences as a system note, only with the shopper's consent."""

from __future__ import annotations

from assistant.conversation import Concierge
from assistant.messages import InboundMessage
from assistant.testing.openai_server import FakeOpenAI, messages, text

HELLO = "Happy to help! What are you shopping for today?"


def _system_texts(fake: FakeOpenAI) -> list[str]:
    return [m["content"] for m in messages(fake.chat_requests[-1], "system")]


def test_saved_preferences_reach_the_model_as_a_system_note(
    openai_concierge: Concierge, fake: FakeOpenAI
) -> None:
    store = openai_concierge.store
    customer = store.identify("web", "shopper-1")
    store.remember_preferences(customer.id, "web", "shopper-1", {"size": "M", "budget": "150"})
    fake.script([text(HELLO)])
    reply = openai_concierge.handle(InboundMessage(channel="web", sender="shopper-1", text="hi"))
    assert reply.text == HELLO
    [note] = [t for t in _system_texts(fake) if "Saved preferences" in t]
    assert "size M" in note and "budget up to $150" in note
    history = store.load_history("web:shopper-1")
    assert all("Saved preferences" not in m.text for m in history)  # fresh each turn, not kept


def test_without_consent_the_model_gets_no_note(
    openai_concierge: Concierge, fake: FakeOpenAI
) -> None:
    store = openai_concierge.store
    customer = store.identify("web", "shopper-2")
    store.update_customer(customer.id, preferences={"size": "M"})  # kept, but never agreed to
    fake.script([text(HELLO)])
    openai_concierge.handle(InboundMessage(channel="web", sender="shopper-2", text="hi"))
    assert not [t for t in _system_texts(fake) if "Saved preferences" in t]
