"""Remembering preferences through whole turns (offline engine): offered once, kept only after
a yes, used by a later conversation of the same shopper, forgotten on request."""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.messages import InboundMessage, Reply
from assistant.preference_keeper import DECLINED, FORGOTTEN, REMEMBER_NO, REMEMBER_YES
from assistant.retrieval.index import CatalogIndex

VISITOR = "visitor-7f3a9c"


@pytest.fixture
def concierge(settings: Settings, demo_index: CatalogIndex) -> Concierge:
    return Concierge.from_settings(settings, demo_index)


def _say(concierge: Concierge, conversation: str, text: str = "", tap: str | None = None) -> Reply:
    row = concierge.get(conversation)
    assert row is not None
    message = InboundMessage(
        channel="web", sender=row.sender, text=text, quick_reply=tap, conversation_id=conversation
    )
    return concierge.handle(message)


def _payloads(reply: Reply) -> list[str]:
    return [q.payload for q in reply.quick_replies]


def test_a_stated_size_is_kept_after_a_yes_and_used_next_time(concierge: Concierge) -> None:
    first, _ = concierge.start("web", VISITOR)
    reply = _say(concierge, first, "fleece jacket in size M")
    assert reply.text.endswith("Want me to remember your size M for next time?")
    assert _payloads(reply)[:2] == [REMEMBER_YES, REMEMBER_NO] and reply.products
    row = concierge.get(first)
    assert row is not None and row.customer_id is not None
    assert concierge.store.preferences_of(row.customer_id) == ({}, None)  # nothing before a yes
    done = _say(concierge, first, tap=REMEMBER_YES)
    assert done.text.startswith("Done: I'll remember your size M for next time.")
    assert concierge.store.preferences_of(row.customer_id) == ({"size": "M"}, True)

    later, _ = concierge.start("web", VISITOR)  # a new conversation, the same shopper
    remembered = _say(concierge, later, "fleece jacket")
    assert "your saved size M" in remembered.text and remembered.products
    said = _say(concierge, later, "rain jacket in size L")
    assert "saved size" not in said.text  # what the shopper says now wins
    bottle = _say(concierge, later, "insulated water bottle")
    assert bottle.products and "saved size" not in bottle.text  # no sizes there: searched as asked
    assert concierge.store.preferences_of(row.customer_id)[0] == {"size": "M"}  # L was asked
    budget = _say(concierge, later, "my budget is $150 for a tent")
    assert "Want me to remember" not in budget.text  # consent given: kept without asking again
    _say(concierge, later, "actually I'm a size L now")  # said of oneself: updates the size
    assert concierge.store.preferences_of(row.customer_id) == (
        {"size": "L", "budget": "150"},
        True,
    )


def test_favourite_categories_lead_the_next_greeting(concierge: Concierge) -> None:
    first, greeting = concierge.start("web", VISITOR)
    assert greeting.quick_replies[0].title == "Find a gift"
    offered = _say(concierge, first, "I love backpacks, what do you have?")
    assert offered.text.endswith("Want me to remember your favourite Backpacks for next time?")
    _say(concierge, first, tap=REMEMBER_YES)
    later, welcome = concierge.start("web", VISITOR)
    assert [q.title for q in welcome.quick_replies][:2] == ["Backpacks", "Find a gift"]
    picked = _say(concierge, later, tap="Backpacks")
    assert picked.products and all("pack" in p.title.lower() for p in picked.products)


def test_no_means_nothing_is_kept_and_no_second_offer(concierge: Concierge) -> None:
    conversation, _ = concierge.start("web", VISITOR)
    assert "Want me to remember" in _say(concierge, conversation, "I'm a medium").text
    assert _say(concierge, conversation, "no").text == DECLINED
    row = concierge.get(conversation)
    assert row is not None and row.customer_id is not None
    assert concierge.store.preferences_of(row.customer_id) == ({}, False)
    again = _say(concierge, conversation, "fleece jacket in size L")
    assert "Want me to remember" not in again.text and REMEMBER_YES not in _payloads(again)


def test_a_request_starting_with_yes_is_no_answer_to_the_offer(concierge: Concierge) -> None:
    conversation, _ = concierge.start("web", VISITOR)
    offered = _say(concierge, conversation, "fleece jacket in size M")
    assert "Want me to remember" in offered.text and len(offered.products) >= 2
    reply = _say(concierge, conversation, "yes, tell me about the second one")
    assert offered.products[1].title in reply.text
    row = concierge.get(conversation)
    assert row is not None and row.customer_id is not None
    assert concierge.store.preferences_of(row.customer_id) == ({}, None)


def test_an_offer_is_made_once_per_conversation(concierge: Concierge) -> None:
    conversation, _ = concierge.start("web", VISITOR)
    assert "Want me to remember" in _say(concierge, conversation, "fleece jacket in size M").text
    ignored = _say(concierge, conversation, "rain jacket in size L")  # the offer was ignored
    assert "Want me to remember" not in ignored.text
    assert "Want me to remember" not in _say(concierge, conversation, "yes").text


def test_forget_my_preferences_clears_them(concierge: Concierge) -> None:
    first, _ = concierge.start("web", VISITOR)
    _say(concierge, first, "I usually wear XL")
    _say(concierge, first, "yes please")
    row = concierge.get(first)
    assert row is not None and row.customer_id is not None
    assert concierge.store.preferences_of(row.customer_id)[0] == {"size": "XL"}
    assert _say(concierge, first, "Please forget my preferences").text == FORGOTTEN
    assert concierge.store.preferences_of(row.customer_id) == ({}, False)
    later, _ = concierge.start("web", VISITOR)
    reply = _say(concierge, later, "fleece jacket size M")
    assert "saved size" not in reply.text and "Want me to remember" not in reply.text


def test_an_anonymous_web_chat_is_offered_nothing(concierge: Concierge) -> None:
    conversation, _ = concierge.start("web", "anonymous-0a1b2c3d4e5f6a7b")
    reply = _say(concierge, conversation, "fleece jacket in size M")
    assert reply.products and "Want me to remember" not in reply.text
