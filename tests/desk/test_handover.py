"""What a handoff hands the desk, end to end on the offline engine over the demo catalog: the
brief as the ticket's summary, and a confidence that is measured, or None when it cannot be."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from pydantic import SecretStr

from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.desk.confidence import act_reader
from assistant.desk.reading import engine_state, tool_result
from assistant.handoff import TurnSignals, desk_confidence
from assistant.messages import InboundMessage, Reply
from assistant.retrieval.index import CatalogIndex
from assistant.store.desk_models import HandoffTicket
from assistant.testing.openai_server import FakeOpenAI, serve, text, tool_call

SENDER = "shopper-1"
CONVERSATION = f"web:{SENDER}"
ASK = "I'd like to talk to a person"


@pytest.fixture
def concierge(tmp_path: Path, demo_index: CatalogIndex) -> Concierge:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]
    return Concierge.from_settings(settings, demo_index)


def say(concierge: Concierge, *texts: str) -> list[Reply]:
    return [concierge.handle(InboundMessage(channel="web", sender=SENDER, text=t)) for t in texts]


def ticket_of(concierge: Concierge) -> HandoffTicket:
    ticket = concierge.store.latest_ticket(CONVERSATION)
    assert ticket is not None
    return ticket


def test_a_gift_handed_off_names_the_recipient_budget_and_items_shown(
    concierge: Concierge,
) -> None:
    ideas, _ = say(concierge, "I need a birthday gift for my dad, under $150, he likes hiking", ASK)
    ticket = ticket_of(concierge)
    lines = ticket.summary.splitlines()
    assert "For: dad, men; birthday; likes hiking; budget up to $150" in lines
    assert ideas.products
    shown = next(line for line in lines if line.startswith("Shown: "))
    assert shown == "Shown: " + "; ".join(card.title for card in ideas.products[:4])
    assert lines[-2:] == ["Handed off: shopper asked for a person", f'Last message: "{ASK}"']


def test_a_search_handed_off_shows_its_constraints(concierge: Concierge) -> None:
    wanted = "a fleece jacket in size L under 150 dollars, not black, cheapest first"
    listing, _, _ = say(concierge, wanted, "tell me about the second one", ASK)
    summary = ticket_of(concierge).summary
    assert f"Wants: {wanted}" in summary
    constraints = next(line for line in summary.splitlines() if line.startswith("Constraints:"))
    for stated in ("up to $150", "size L", "not black", "sorted by price, lowest first"):
        assert stated in constraints
    assert f"Looking at: {listing.products[1].title}" in summary


def test_asking_for_a_person_at_once_is_not_measured(concierge: Concierge) -> None:
    (reply,) = say(concierge, ASK)
    assert reply.handoff is not None and reply.handoff.confidence is None
    ticket = ticket_of(concierge)
    assert ticket.confidence is None and ticket.reason == "shopper asked for a person"


def test_asking_for_a_person_later_shows_the_bots_confidence_on_the_turn_before(
    concierge: Concierge,
) -> None:
    first = "do you have an ice axe for glacier travel?"
    say(concierge, first, ASK)
    confidence = ticket_of(concierge).confidence
    assert confidence is not None and 0.0 < confidence < 1.0
    history = concierge.store.load_history(CONVERSATION)
    before = history[: max(i for i, m in enumerate(history) if isinstance(m, HumanMessage))]
    scores = [tool_result(m)["similarity"] for m in before if isinstance(m, ToolMessage)]
    understood = act_reader(concierge.settings, concierge.catalog)(first)
    answered = engine_state(before[-1])
    assert understood is not None and answered is not None
    signals = TurnSignals(
        text=first, similarity=max(scores), consecutive_fallbacks=int(answered.fallback)
    )
    expected = desk_confidence(signals, concierge.settings.handoff, understood)
    assert confidence == expected


def test_a_sensitive_topic_is_measured_on_the_turn_before_too(concierge: Concierge) -> None:
    say(concierge, "merino socks", "I was double charged for my last order")
    ticket = ticket_of(concierge)
    assert ticket.reason == "sensitive topic: payment problem"
    assert ticket.confidence is not None and 0.0 < ticket.confidence < 1.0


def test_no_email_or_order_number_reaches_the_summary(concierge: Concierge) -> None:
    said = "where is my order #W1234567? my email is bob@example.com"
    say(concierge, said, f"{ASK}, my number is 503-555-0142")
    ticket = ticket_of(concierge)
    for private in ("W1234567", "bob@example.com", "555-0142"):
        assert private not in ticket.summary
    assert "Wants: the status of an order" in ticket.summary
    assert ticket.transcript[0]["text"] == said  # the desk still reads it in the transcript


def test_a_low_confidence_handoff_keeps_its_team_and_stays_below_the_threshold(
    concierge: Concierge,
) -> None:
    concierge.settings.handoff.min_confidence = 0.5
    concierge.settings.handoff.confident_similarity = 1.0
    say(concierge, "can you engrave my initials on a bottle")
    ticket = ticket_of(concierge)
    assert (ticket.reason, ticket.team) == ("low confidence", "sales")
    assert ticket.confidence is not None and ticket.confidence < 0.5
    assert "Shown: " in ticket.summary and "Handed off: low confidence" in ticket.summary


def test_the_hosted_path_gets_a_brief_from_its_tool_calls(
    tmp_path: Path, demo_index: CatalogIndex
) -> None:
    fake = FakeOpenAI()
    search = {"query": "rain jacket", "filters": {"price_max": 200, "size": "M"}}
    fake.script(
        [
            tool_call("search_products", search),
            text("I found a few rain jackets in size M under $200."),
            tool_call("handoff_to_human", {"reason": "wants to hold a jacket in store"}),
            text("Let me bring in a teammate."),
        ]
    )
    with serve(fake) as base_url:
        settings = Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]
        settings.model = "openai:test-model"
        settings.openai_api_key = SecretStr("sk-test")
        settings.openai_base_url = base_url
        concierge = Concierge.from_settings(settings, demo_index)
        found, handed = say(concierge, "a rain jacket under $200 in M", "can you hold one?")
    assert found.products and handed.handoff is not None
    lines = ticket_of(concierge).summary.splitlines()
    assert "Wants: rain jacket" in lines
    assert any(line.startswith("Constraints: up to $200") and "size M" in line for line in lines)
    assert "Shown: " + "; ".join(card.title for card in found.products[:4]) in lines
    assert "Handed off: wants to hold a jacket in store" in lines
    assert handed.handoff.confidence is not None and handed.handoff.confidence < 1.0
