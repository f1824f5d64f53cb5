"""Agent fixtures: Concierge on the `openai:` path, talking to a fake OpenAI server on loopback;
the shop's tool context and runtime as the agent's tool node builds them; one offline turn that
watches the product search."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from langchain.tools import ToolRuntime
from langchain_core.tools import StructuredTool
from pydantic import SecretStr

from assistant.agent import tools as shop_tools
from assistant.agent.context import ShopContext
from assistant.brand import load_prompts
from assistant.checkout import CheckoutBuilder
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.messages import InboundMessage, Reply
from assistant.orders import JsonOrderSource, OrderDesk
from assistant.retrieval.index import CatalogIndex
from assistant.testing.openai_server import FakeOpenAI, serve
from tests.conftest import DEMO_CATALOG, REPO


@pytest.fixture
def fake() -> FakeOpenAI:
    return FakeOpenAI()


@pytest.fixture
def openai_settings(fake: FakeOpenAI, tmp_path: Path) -> Iterator[Settings]:
    """Settings for `openai:test-model` on the loopback fake; retries stay fast (retry-after-ms)."""
    with serve(fake) as base_url:
        settings = Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]
        settings.model = "openai:test-model"
        settings.openai_api_key = SecretStr("sk-test")
        settings.openai_base_url = base_url
        settings.openai.timeout_s = 5.0
        settings.openai.max_retries = 2
        yield settings


@pytest.fixture
def openai_concierge(openai_settings: Settings, demo_index: CatalogIndex) -> Concierge:
    """Concierge on the OpenAI path over the demo index (`demo_index` is in tests/conftest.py)."""
    return Concierge.from_settings(openai_settings, demo_index)


def shop_context(index: CatalogIndex) -> ShopContext:
    """The tools' context over `index`, with the demo brand's orders, checkout and prompts."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    orders = JsonOrderSource(
        DEMO_CATALOG / "orders" / "orders.json", DEMO_CATALOG / "orders" / "users.json"
    )
    return ShopContext(
        catalog=index,
        checkout=CheckoutBuilder(
            index.products.products, settings.checkout, settings.catalog.shop_domain
        ),
        orders=OrderDesk(orders),
        prompts=load_prompts(REPO / "prompts"),
    )


def tool_runtime(context: ShopContext, call_id: str) -> ToolRuntime[ShopContext]:
    """The runtime the agent's tool node injects into a tool call."""
    return ToolRuntime(
        state={},
        context=context,
        config={},
        stream_writer=lambda _: None,
        tool_call_id=call_id,
        store=None,
    )


def offline_turn_watching_search(
    settings: Settings,
    index: CatalogIndex,
    monkeypatch: pytest.MonkeyPatch,
    on_search: Callable[[], None],
) -> Reply:
    """One offline turn ("merino socks") whose product search calls `on_search` first."""
    search = cast(StructuredTool, shop_tools.search_products).func
    assert search is not None

    @functools.wraps(search)  # the same signature: the runtime is still injected
    def watched(*args: Any, **kwargs: Any) -> Any:
        on_search()
        return search(*args, **kwargs)

    monkeypatch.setattr(shop_tools.search_products, "func", watched)
    concierge = Concierge.from_settings(settings, index)
    conversation_id, _ = concierge.start("web", "visitor-1")
    return concierge.handle(
        InboundMessage(
            channel="web", sender="visitor-1", text="merino socks", conversation_id=conversation_id
        )
    )
