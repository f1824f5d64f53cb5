"""A shop tool call nobody listens to skips LangChain's run bookkeeping, with the same message
or error as the full path; a listener still hears every call."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler, CallbackManager
from langchain_core.messages import ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import StructuredTool
from pydantic import ValidationError

from assistant.agent.context import ShopContext
from assistant.agent.shop_tool import ShopTool
from assistant.agent.tools import TOOLS
from assistant.config import Settings
from assistant.retrieval.index import CatalogIndex
from tests.agent.conftest import offline_turn_watching_search, shop_context, tool_runtime

CALLS: list[tuple[str, dict[str, Any]]] = [
    ("search_products", {"query": "rain jacket under $150"}),
    ("search_products", {"query": "tent", "filters": {"price_max": "300", "in_stock": False}}),
    ("search_products", {"query": "Wisp 2", "limit": 3, "read_filters": False}),
    ("search_products", {"query": "tent", "filters": {"price_min": -5}}),  # invalid
    ("search_products", {"filters": {}}),  # no query: invalid
    ("get_product", {"product_id": "wisp-2-ultralight-tent"}),
    ("get_product", {"product_id": "no-such-product"}),
    ("search_faq", {"question": "what is your return policy?"}),
    ("recommend", {"needs": {"recipient": "my sister", "budget_max": 60, "interests": ["hiking"]}}),
    ("recommend", {"needs": {}}),
    ("compare", {"product_ids": ["wisp-2-ultralight-tent", "juniper-2-backpacking-tent"]}),
    ("compare", {"product_ids": "not a list"}),  # invalid
    ("create_checkout_link", {"items": [{"variant_id": "999999999"}], "discount_code": "X"}),
    ("order_status", {"order_id": "W1000001", "email_or_zip": "maya.okafor@example.com"}),
    ("handoff_to_human", {"reason": "wants a person"}),
]


class Listener(BaseCallbackHandler):
    """Hears tool starts, as a tracer or a token stream would."""

    def __init__(self) -> None:
        self.started: list[str] = []

    def on_tool_start(
        self, serialized: dict[str, Any], input_str: str, *, run_id: UUID, **kwargs: Any
    ) -> None:
        self.started.append(serialized["name"])


@pytest.fixture
def context(demo_index: CatalogIndex) -> ShopContext:
    return shop_context(demo_index)


def _call(name: str, args: dict[str, Any], context: ShopContext) -> dict[str, Any]:
    """The tool call as the tool node passes it: the runtime injected among the arguments."""
    runtime = tool_runtime(context, "call-1")
    return {"name": name, "args": {**args, "runtime": runtime}, "id": "call-1", "type": "tool_call"}


def _outcome(tool: Any, call: dict[str, Any], config: RunnableConfig) -> Any:
    try:
        return tool.invoke(call, config)
    except ValidationError as exc:
        return ("ValidationError", exc.errors(include_url=False))


@pytest.mark.parametrize(
    ("name", "args"), CALLS, ids=[f"{name}-{n}" for n, (name, _) in enumerate(CALLS)]
)
def test_both_paths_give_the_same_message_or_error(
    name: str, args: dict[str, Any], context: ShopContext
) -> None:
    tool = next(t for t in TOOLS if t.name == name)
    listener = Listener()
    call = _call(name, args, context)
    quiet = _outcome(tool, call, {"callbacks": CallbackManager([])})
    heard = _outcome(tool, call, {"callbacks": CallbackManager([listener])})
    assert listener.started == [name]  # the listened call took the full path
    assert quiet == heard
    if isinstance(quiet, ToolMessage):
        assert (quiet.name, quiet.tool_call_id, quiet.status) == (name, "call-1", "success")


def test_every_shop_tool_is_a_shop_tool_on_the_quiet_path() -> None:
    assert all(isinstance(t, ShopTool) and t._plain for t in TOOLS)


def test_an_offline_turn_calls_its_tools_on_the_quiet_path(
    settings: Settings, demo_index: CatalogIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If a LangGraph or LangChain release passed tool calls differently (the callbacks not a
    manager, say), the quiet path would lapse silently: this fails instead."""
    full: list[str] = []
    run = StructuredTool.run

    def recorded(self: StructuredTool, *args: Any, **kwargs: Any) -> Any:
        full.append(self.name)
        return run(self, *args, **kwargs)

    monkeypatch.setattr(StructuredTool, "run", recorded)
    seen: list[str] = []
    reply = offline_turn_watching_search(
        settings, demo_index, monkeypatch, lambda: seen.append("search_products")
    )
    assert reply.products and seen and not full
