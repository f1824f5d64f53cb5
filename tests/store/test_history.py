"""Agent history: LangChain messages survive a round trip through the database exactly."""

from __future__ import annotations

from decimal import Decimal

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from assistant.store import Store


def _turn() -> list[BaseMessage]:
    return [
        SystemMessage("You are the Cairn & Compass assistant."),
        HumanMessage("waterproof boots in 42?", additional_kwargs={"channel": "whatsapp"}),
        AIMessage(
            "",
            id="run-1",
            tool_calls=[
                {"name": "search_products", "args": {"query": "boots", "size": "42"}, "id": "c1"},
                {"name": "faq", "args": {"question": "returns"}, "id": "c2"},
            ],
            additional_kwargs={"refusal": None},
            response_metadata={"model_name": "gpt-4.1-mini", "finish_reason": "tool_calls"},
            usage_metadata={"input_tokens": 120, "output_tokens": 30, "total_tokens": 150},
        ),
        ToolMessage('[{"id": "p1", "price": "129.00"}]', tool_call_id="c1", name="search_products"),
        ToolMessage("no such FAQ", tool_call_id="c2", name="faq", status="error"),
        AIMessage([{"type": "text", "text": "The Ridge boot is waterproof and in stock in 42."}]),
    ]


def test_history_round_trip_keeps_tool_calls_and_kwargs(store: Store) -> None:
    conversation = store.get_or_create_conversation("wa:1", "whatsapp", "+447700900123", "default")
    turn = _turn()
    assert store.append_history(conversation.id, turn) == len(turn)
    loaded = store.load_history(conversation.id)
    assert loaded == turn
    ai = loaded[2]
    assert isinstance(ai, AIMessage)
    assert [call["id"] for call in ai.tool_calls] == ["c1", "c2"]
    assert ai.usage_metadata == {"input_tokens": 120, "output_tokens": 30, "total_tokens": 150}
    tool = loaded[4]
    assert isinstance(tool, ToolMessage) and tool.status == "error" and tool.tool_call_id == "c2"


def test_appends_continue_in_order_and_stay_per_conversation(store: Store) -> None:
    one = store.get_or_create_conversation("one", "web", "s1", "default")
    two = store.get_or_create_conversation("two", "web", "s2", "default")
    store.append_history(one.id, [HumanMessage("first"), AIMessage("reply 1")])
    store.append_history(two.id, [HumanMessage("elsewhere")])
    assert store.append_history(one.id, [HumanMessage("second"), AIMessage("reply 2")]) == 4
    assert store.append_history(one.id, []) == 4
    assert [m.text for m in store.load_history(one.id)] == [
        "first", "reply 1", "second", "reply 2",
    ]  # fmt: skip
    assert [m.text for m in store.load_history(one.id, last=2)] == ["second", "reply 2"]
    assert [m.text for m in store.load_history(two.id)] == ["elsewhere"]
    assert store.load_history("never-seen") == []


def test_values_json_cannot_hold_are_stored_as_text(store: Store) -> None:
    conversation = store.get_or_create_conversation("web:1", "web", "s1", "default")
    message = AIMessage("ok", additional_kwargs={"price": Decimal("19.90")})
    store.append_history(conversation.id, [message])
    (loaded,) = store.load_history(conversation.id)
    assert loaded.additional_kwargs == {"price": "19.90"}
