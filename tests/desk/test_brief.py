"""The desk's brief read from a stored history alone: a hosted model's tool calls and results,
the offline engine's state read defensively, and the summary kept free of contact details."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from assistant.agent.offline.memory import KEY
from assistant.desk.brief import LINE_MAX, MAX_CHARS, Brief, private_out
from assistant.desk.reading import engine_state, read_brief

JACKETS = ["Ridgeline 3L Rain Jacket", "Deckhand Rain Jacket", "Basecamp 2L Rain Jacket"]


def called(call_id: str, name: str, **args: Any) -> AIMessage:
    """A hosted model's tool call, as LangChain stores it."""
    return AIMessage(
        content="", tool_calls=[{"name": name, "args": args, "id": call_id, "type": "tool_call"}]
    )


def returned(call_id: str, name: str, result: dict[str, Any]) -> ToolMessage:
    return ToolMessage(content=json.dumps(result), tool_call_id=call_id, name=name)


def cards(*titles: str) -> list[dict[str, Any]]:
    return [{"product_id": t.lower().replace(" ", "-"), "title": t} for t in titles]


def hosted_history() -> list[BaseMessage]:
    """Two turns of a hosted model: a constrained search, then a product and a checkout link."""
    return [
        HumanMessage("I need a rain jacket under $200 in size M, anything but black"),
        called(
            "c1",
            "search_products",
            query="rain jacket",
            filters={"price_max": "200", "size": "M", "exclude_colors": ["black"]},
            sort={"by": "price", "direction": "asc"},
        ),
        returned(
            "c1",
            "search_products",
            {
                "understood": "up to $200, in stock, size M, not black",
                "match": "strong",
                "similarity": 0.71,
                "products": cards(*JACKETS),
                "sorted_by": {"measure": "price", "direction": "asc", "values": {}},
            },
        ),
        AIMessage("Here are three jackets, cheapest first."),
        HumanMessage("the deckhand one please, add it to my cart"),
        called("c2", "get_product", product_id="deckhand-rain-jacket"),
        returned("c2", "get_product", {"product_id": "deckhand", "title": "Deckhand Rain Jacket"}),
        called("c3", "create_checkout_link", items=[{"variant_id": "v-7", "quantity": 1}]),
        returned(
            "c3",
            "create_checkout_link",
            {
                "url": "https://shop.example/cart/v-7:1",
                "subtotal": "159.00",
                "currency": "USD",
                "lines": [
                    {"title": "Deckhand Rain Jacket", "variant_title": "M / Blue", "quantity": 1}
                ],
            },
        ),
        AIMessage("Here is your checkout link."),
    ]


def test_a_hosted_models_history_gets_a_brief() -> None:
    history = [*hosted_history(), HumanMessage("can I talk to someone?")]
    brief = read_brief(history, ["shopper asked for a person"])
    assert brief.wants == "rain jacket"
    assert brief.constraints == (
        "up to $200",
        "size M",
        "not black",
        "sorted by price, lowest first",
    )
    assert brief.shown == tuple(JACKETS)
    assert brief.focus == "Deckhand Rain Jacket"
    assert brief.cart == ("1 x Deckhand Rain Jacket (M / Blue)", "subtotal 159.00 USD")
    assert brief.trouble == ("shopper asked for a person",)
    assert brief.last_message == "can I talk to someone?"
    summary = brief.render()
    assert summary.splitlines() == [
        "Wants: rain jacket",
        "Constraints: up to $200, size M, not black, sorted by price, lowest first",
        "Shown: Ridgeline 3L Rain Jacket; Deckhand Rain Jacket; Basecamp 2L Rain Jacket",
        "Looking at: Deckhand Rain Jacket",
        "Cart: 1 x Deckhand Rain Jacket (M / Blue); subtotal 159.00 USD",
        "Handed off: shopper asked for a person",
        'Last message: "can I talk to someone?"',
    ]


def test_a_hosted_gift_search_names_the_recipient_and_the_budget() -> None:
    needs = {"recipient": "my sister", "age": 30, "gender": "women", "budget_max": "80",
             "interests": ["running"], "occasion": "birthday"}  # fmt: skip
    history = [
        HumanMessage("a birthday present for my sister, she's 30 and runs, about $80"),
        called("g1", "recommend", needs=needs),
        returned("g1", "recommend", {"status": "ok", "items": cards("Trail Cap", "Run Belt")}),
        AIMessage("Two ideas: the Trail Cap and the Run Belt."),
        HumanMessage("neither, get me a human"),
    ]
    brief = read_brief(history, ["shopper asked for a person"])
    assert brief.wants == "a gift"
    assert brief.recipient == "sister, age 30, women; birthday; likes running; budget up to $80"
    assert brief.shown == ("Trail Cap", "Run Belt")


def test_new_constraints_replace_old_ones_and_a_lookup_keeps_them() -> None:
    history = [
        *hosted_history(),
        HumanMessage("actually show me fleece, size L"),
        called("c4", "search_products", query="fleece"),
        returned(
            "c4",
            "search_products",
            {"understood": "in stock, size L", "match": "weak", "products": cards("Fleece")},
        ),
        AIMessage("Here is a fleece."),
        HumanMessage("tell me about the Deckhand again"),
        called("c5", "search_products", query="Deckhand", read_filters=False),
        returned("c5", "search_products", {"understood": "none", "products": cards("Deckhand")}),
        AIMessage("It is a rain jacket."),
    ]
    brief = read_brief(history)
    assert brief.constraints == ("size L",)
    assert brief.wants == "Deckhand"
    assert brief.trouble == ("a search found only weak matches",)  # from the turn before


def test_the_offline_state_says_what_is_shown_and_in_focus() -> None:
    carry = {
        "shown": [
            {"product_id": "a", "title": "Alpha Pack", "price": "49.00"},
            {"product_id": "b", "title": "Beta Pack", "price": "59.00"},
        ],
        "focus": "b",
        "search": "day pack",
        "gift": {"recipient": "your dad", "budget_max": "100"},
        "size": "M",
    }
    reply = AIMessage(
        "The Beta Pack has a 20 L capacity.", additional_kwargs={KEY: {"carry": carry}}
    )
    brief = read_brief([HumanMessage("tell me about the second"), reply])
    assert (brief.shown, brief.focus, brief.wants) == (
        ("Alpha Pack", "Beta Pack"),
        "Beta Pack",
        "day pack",
    )
    assert brief.recipient == "dad; budget up to $100"
    assert brief.constraints == ("size M",)


@pytest.mark.parametrize(
    "state",
    [
        {},
        {"carry": None},
        {"carry": "not a mapping"},
        {"carry": {"shown": [{"title": None}, "x", {"product_id": "a"}], "gift": [1], "size": 9}},
        {"state": {"anything": True}, "confidence": "high"},
    ],
)
def test_engine_state_is_read_defensively(state: dict[str, Any]) -> None:
    read = engine_state(AIMessage("ok", additional_kwargs={KEY: state}))
    assert read is not None
    assert (read.shown, read.focus, read.gift, read.size, read.confidence) == ((), "", {}, "", None)


def test_engine_state_reads_a_kept_confidence_and_skips_other_messages() -> None:
    kept = AIMessage("ok", additional_kwargs={KEY: {"carry": {}, "confidence": 0.42}})
    assert engine_state(kept) is not None and engine_state(kept).confidence == 0.42  # type: ignore[union-attr]
    planning = called("p", "search_products", query="x")
    planning.additional_kwargs[KEY] = {"step": {"flow": "search"}}
    assert engine_state(planning) is None
    assert engine_state(HumanMessage("hi")) is None
    assert engine_state(AIMessage("a hosted reply")) is None


@pytest.mark.parametrize(
    ("said", "kept_out"),
    [
        ("where is order #W1000001?", "W1000001"),
        ("my order number is 48213377", "48213377"),
        ("order W-1000001 never came", "1000001"),
        ("email me at maya.o@example.com", "maya.o@example.com"),
        ("call 503-555-0142 please", "555-0142"),
        ("ship to 2214 SE Clinton Street, Portland", "Clinton"),
        ("my zip is 97202", "97202"),
    ],
)
def test_the_summary_keeps_contact_details_and_order_numbers_out(said: str, kept_out: str) -> None:
    assert kept_out not in private_out(said)
    summary = Brief(wants=said, last_message=f"{said}, talk to a human").render()
    assert kept_out not in summary


def test_prices_sizes_and_measures_stay_in_the_summary() -> None:
    kept = "a tent under $250, 2 person, weight at most 2 lb, size 10, 55 L"
    assert private_out(kept) == kept


def test_the_summary_is_bounded() -> None:
    long = "word " * 400
    brief = Brief(
        wants=long, recipient=long, constraints=(long,), shown=(long,) * 4, focus=long,
        cart=(long,), trouble=(long,), last_message=long,
    )  # fmt: skip
    summary = brief.render()
    assert len(summary) <= MAX_CHARS
    assert all(len(line) <= LINE_MAX for line in summary.splitlines())
    assert summary.splitlines()[-1].startswith('Last message: "word')


def test_an_empty_history_gives_an_empty_summary() -> None:
    assert read_brief([]).render() == ""
