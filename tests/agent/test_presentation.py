"""The presentation seam: `present_products` checks what it is given and answers bad input with
an error the model can act on; the offline engine shows its cards and quick replies through
the same call, with no extra model round-trip."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from assistant.agent.context import ShopContext
from assistant.agent.offline.engine import OfflineChatModel
from assistant.agent.presentation import (
    MAX_PRODUCTS,
    PRESENT,
    QUICK_REPLY_MAX_CHARS,
    awaits_reply,
    final_reply,
    presented,
)
from assistant.agent.tools import TOOLS, present_products
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.messages import InboundMessage
from assistant.retrieval.index import CatalogIndex
from tests.agent.conftest import shop_context, tool_runtime


@pytest.fixture(scope="module")
def context(demo_index: CatalogIndex) -> ShopContext:
    return shop_context(demo_index)


def present(context: ShopContext, **args: Any) -> dict[str, Any]:
    """Run the tool's function with an injected runtime, as the agent's tool node does."""
    result: dict[str, Any] = present_products.func(runtime=tool_runtime(context, "p"), **args)  # type: ignore[misc]
    return result


def ids(context: ShopContext, n: int) -> list[str]:
    return [p.id for p in context.catalog.products.products[:n]]


# The tool's checks


def test_presented_products_come_back_as_cards_in_the_order_given(context: ShopContext) -> None:
    wanted = ids(context, 3)[::-1]
    result = present(context, product_ids=[*wanted, wanted[0]], quick_replies=["Compare them"])
    assert [c["product_id"] for c in result["products"]] == wanted  # each once, in order
    assert all(c["title"] and c["price"] for c in result["products"])
    assert result["quick_replies"] == ["Compare them"]


def test_quick_replies_alone_are_fine(context: ShopContext) -> None:
    assert present(context, product_ids=[], quick_replies=["Yes", "No"]) == {
        "products": [],
        "quick_replies": ["Yes", "No"],
    }


def test_an_unknown_product_id_is_an_error_naming_it(context: ShopContext) -> None:
    result = present(context, product_ids=[ids(context, 1)[0], "made-up-tent"])
    assert set(result) == {"error"}
    assert "unknown product ids: made-up-tent" in result["error"]
    assert "search results" in result["error"]


def test_too_many_quick_replies_for_the_channel_is_an_error(context: ShopContext) -> None:
    limit = context.prompts.style("web").max_quick_replies
    chips = [f"Choice {n}" for n in range(limit + 1)]
    result = present(context, product_ids=ids(context, 1), quick_replies=chips)
    assert result == {"error": f"too many quick replies: this channel shows at most {limit}"}
    whatsapp = replace(context, channel="whatsapp")
    fewer = whatsapp.prompts.style("whatsapp").max_quick_replies
    assert fewer < limit
    assert "at most" in present(whatsapp, product_ids=[], quick_replies=chips[:limit])["error"]
    assert "error" not in present(whatsapp, product_ids=[], quick_replies=chips[:fewer])


@pytest.mark.parametrize(
    ("chip", "problem"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("x" * (QUICK_REPLY_MAX_CHARS + 1), "too long"),
        ("Buy at https://phish.example/x", "no link"),
        ("two\nlines", "one line"),
    ],
)
def test_a_quick_reply_must_be_a_few_plain_words(
    context: ShopContext, chip: str, problem: str
) -> None:
    result = present(context, product_ids=[], quick_replies=["Fine", chip])
    assert set(result) == {"error"} and problem in result["error"]


def test_nothing_or_too_much_to_present_is_an_error(context: ShopContext) -> None:
    assert "nothing to present" in present(context, product_ids=[])["error"]
    many = ids(context, MAX_PRODUCTS + 1)
    assert present(context, product_ids=many) == {
        "error": f"present at most {MAX_PRODUCTS} products at a time"
    }


def test_arguments_of_the_wrong_type_are_a_tool_error_not_a_crash() -> None:
    tool = next(t for t in TOOLS if t.name == PRESENT)
    schema = tool.tool_call_schema.model_json_schema()  # type: ignore[union-attr]
    assert schema["required"] == ["product_ids"]
    assert schema["properties"]["product_ids"]["items"] == {"type": "string"}
    assert schema["properties"]["quick_replies"]["items"] == {"type": "string"}


# Which message holds the reply


def _presenting(text: str, *, error: bool = False) -> list[BaseMessage]:
    call = {"name": PRESENT, "args": {"product_ids": ["a"]}, "id": "p1", "type": "tool_call"}
    content = '{"error": "unknown product ids: a"}' if error else '{"products": []}'
    return [
        HumanMessage("tents"),
        AIMessage(content=text, tool_calls=[call]),
        ToolMessage(content=content, tool_call_id="p1", name=PRESENT),
    ]


def test_a_reply_that_presents_is_the_final_reply_once_the_call_succeeds() -> None:
    assert final_reply(_presenting("Here are two tents.")) == 1
    assert final_reply(_presenting("")) is None  # the model still has to write its reply
    assert final_reply(_presenting("Here are two tents.", error=True)) is None
    assert final_reply([HumanMessage("hi"), AIMessage("Hello!")]) == 1


def test_a_presentation_without_a_reply_awaits_the_model() -> None:
    assert not awaits_reply(_presenting("Here are two tents."))  # the turn is done
    assert awaits_reply(_presenting(""))  # the model writes its reply next
    assert awaits_reply(_presenting("Here are two tents.", error=True))  # or fixes the call
    assert not awaits_reply([HumanMessage("hi"), AIMessage("Hello!")])
    assert present_products.return_direct  # a presentation ends the graph's pass


def test_the_last_successful_presentation_is_the_one_shown() -> None:
    results: list[tuple[str, dict[str, Any]]] = [
        (PRESENT, {"products": [{"product_id": "a"}], "quick_replies": ["One"]}),
        (PRESENT, {"error": "unknown product ids: b"}),
        ("search_products", {"products": []}),
    ]
    assert presented(results) == results[0][1]
    assert presented(results[1:]) is None


# The offline engine presents through the same call


def test_the_offline_engine_presents_its_cards_with_its_reply(
    settings: Settings, demo_index: CatalogIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: list[AIMessage] = []
    generate = OfflineChatModel._generate

    def counted(self: OfflineChatModel, *args: Any, **kwargs: Any) -> Any:
        result = generate(self, *args, **kwargs)
        message = result.generations[0].message
        assert isinstance(message, AIMessage)
        answers.append(message)
        return result

    monkeypatch.setattr(OfflineChatModel, "_generate", counted)
    concierge = Concierge.from_settings(settings, demo_index)
    conversation_id, _ = concierge.start("web", "visitor-1")
    reply = concierge.handle(
        InboundMessage(
            channel="web",
            sender="visitor-1",
            text="waterproof jacket under $200",
            conversation_id=conversation_id,
        )
    )

    # Two model steps, as before the seam: the search, then the reply that presents.
    # The model steps of before the seam: searches, then the reply that presents; the turn
    # ends on the presentation without asking the model again.
    *steps, answer = answers
    assert steps and all(c["name"] == "search_products" for m in steps for c in m.tool_calls)
    [call] = answer.tool_calls
    assert call["name"] == PRESENT and answer.text == reply.text
    assert [c.product_id for c in reply.products] == call["args"]["product_ids"][
        : len(reply.products)
    ]
    assert (
        reply.products and [q.payload for q in reply.quick_replies] == call["args"]["quick_replies"]
    )
    # The stored turn ends on the presentation's result; the reply's message keeps its text.
    history = concierge.store.load_history(conversation_id)
    tail = history[-2:]
    assert isinstance(tail[0], AIMessage) and tail[0].text == reply.text
    assert isinstance(tail[1], ToolMessage) and tail[1].name == PRESENT
    assert "error" not in tail[1].text

    # The next turn reads its state from that reply as before.
    follow = concierge.handle(
        InboundMessage(
            channel="web",
            sender="visitor-1",
            text="tell me about #1",
            conversation_id=conversation_id,
        )
    )
    assert follow.text and follow.products[0].product_id == reply.products[0].product_id


def test_an_offline_reply_with_nothing_to_show_makes_no_call(
    settings: Settings, demo_index: CatalogIndex
) -> None:
    concierge = Concierge.from_settings(settings, demo_index)
    conversation_id, _ = concierge.start("web", "visitor-2")
    reply = concierge.handle(
        InboundMessage(
            channel="web",
            sender="visitor-2",
            text="what's your return policy?",
            conversation_id=conversation_id,
        )
    )
    assert reply.text and not reply.products
    history = concierge.store.load_history(conversation_id)
    assert isinstance(history[-1], AIMessage) and history[-1].text == reply.text
    assert not history[-1].tool_calls and not reply.quick_replies
