"""Tool calls run on the calling thread under `max_concurrency` 1 (the offline engine's runs),
on LangGraph's pool otherwise; the same results and order either way."""

from __future__ import annotations

import threading
from typing import Any, cast

import pytest
from langchain_core.messages import AIMessage
from langchain_core.tools import tool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode

from assistant.agent.inline_tools import ONE_AT_A_TIME, install
from assistant.config import Settings
from tests.agent.conftest import offline_turn_watching_search

threads: list[int] = []


@tool
def where(label: str) -> str:
    """Say which thread ran this call."""
    threads.append(threading.get_ident())
    return label


def _calls(*labels: str) -> dict[str, Any]:
    calls = [
        {"name": "where", "args": {"label": label}, "id": f"call-{n}", "type": "tool_call"}
        for n, label in enumerate(labels)
    ]
    return {"messages": [AIMessage(content="", tool_calls=calls)]}


def _run(state: dict[str, Any], config: Any = None) -> list[str]:
    graph = StateGraph(MessagesState)
    graph.add_node("tools", ToolNode([where]))
    graph.add_edge(START, "tools")
    graph.add_edge("tools", END)
    out = graph.compile().invoke(cast(MessagesState, state), config)
    return [m.content for m in out["messages"][1:]]


@pytest.fixture(autouse=True)
def installed() -> None:
    install()
    install()  # twice: still one wrapper
    threads.clear()


def test_one_at_a_time_runs_the_calls_here_in_order() -> None:
    assert _run(_calls("a", "b", "c"), ONE_AT_A_TIME) == ["a", "b", "c"]
    assert threads == [threading.get_ident()] * 3


def test_other_settings_keep_the_pool() -> None:
    assert _run(_calls("a", "b")) == ["a", "b"]
    assert threading.get_ident() not in threads and len(threads) == 2


def test_an_offline_turn_runs_its_tools_on_the_turns_thread(
    settings: Settings, demo_index: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    reply = offline_turn_watching_search(
        settings, demo_index, monkeypatch, lambda: seen.append(threading.get_ident())
    )
    assert reply.products and seen and set(seen) == {threading.get_ident()}
