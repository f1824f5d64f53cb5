"""The offline model answers inline when nobody listens, and through LangChain's whole run
path (callbacks, run ids) when a handler does: the same message either way."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from assistant.agent.offline.engine import OfflineChatModel
from assistant.agent.offline.kit import Kit
from assistant.agent.offline.replies import Replies
from assistant.brand import load_prompts
from assistant.config import Settings
from assistant.retrieval.index import CatalogIndex


class Heard(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[str] = []

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        self.events.append("start")

    def on_llm_end(self, *args: Any, **kwargs: Any) -> None:
        self.events.append("end")


def _model(settings: Settings, index: CatalogIndex) -> OfflineChatModel:
    variant = settings.prompts.variant
    prompts = load_prompts(settings.prompts.dir, variant)
    kit = Kit(
        replies=Replies.load(settings.prompts.dir, variant),
        parser=index.parser,
        persona=prompts.brand.persona,
        brand=prompts.brand.brand,
        channel="web",
        style=prompts.style("web"),
    )
    return OfflineChatModel(kit=kit, greeting=prompts.greeting("web"), sign_off="")


def _same(a: AIMessage, b: AIMessage) -> None:
    assert (a.content, a.additional_kwargs) == (b.content, b.additional_kwargs)
    assert [(c["name"], c["args"], c["id"]) for c in a.tool_calls] == [
        (c["name"], c["args"], c["id"]) for c in b.tool_calls
    ]


def test_inline_and_heard_answers_are_the_same(settings: Settings, demo_index: Any) -> None:
    model = _model(settings, demo_index)
    for text in ["waterproof jacket under $200", "hello", "what's your return policy?"]:
        heard = Heard()
        inline = model.invoke([HumanMessage(text)])
        full = model.invoke([HumanMessage(text)], {"callbacks": [heard]})
        _same(inline, full)
        assert heard.events == ["start", "end"]  # a listener hears the run as usual
    assert model.invoke([HumanMessage("waterproof jacket under $200")]).tool_calls


def test_a_message_list_is_taken_as_langchain_converts_it(
    settings: Settings, demo_index: Any
) -> None:
    """The inline path skips LangChain's input conversion for a list of messages; that
    conversion gives back the very same messages, in a new list."""
    model = _model(settings, demo_index)
    messages = [
        SystemMessage("be brief"),
        HumanMessage("tents"),
        AIMessage("", tool_calls=[{"name": "search_products", "args": {}, "id": "1"}]),
        ToolMessage('{"products": []}', tool_call_id="1", name="search_products"),
    ]
    converted = model._convert_input(messages).to_messages()
    taken = model._messages(messages)
    assert taken == converted and taken is not messages
    assert all(a is b for a, b in zip(taken, converted, strict=True))
    assert model._messages("hello") == [HumanMessage("hello")]
