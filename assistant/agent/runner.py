"""Runs one agent turn: the `create_agent` graph over the chat model and the shop's tools."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openai
from langchain.agents import create_agent
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_core.runnables import RunnableConfig
from langgraph.errors import GraphRecursionError

from assistant.agent.context import ShopContext
from assistant.agent.errors import ModelBehaviourError, ModelUnavailableError
from assistant.agent.events import BecameToolCall, Event, Token, ToolResult
from assistant.agent.inline_tools import ONE_AT_A_TIME, install
from assistant.agent.models import get_chat_model
from assistant.agent.offline.kit import Kit
from assistant.agent.offline.memory import KEY
from assistant.agent.offline.replies import Replies
from assistant.agent.presentation import BRAND_CHANNEL, awaits_reply, final_reply
from assistant.agent.tools import TOOLS
from assistant.agent.understanding import ActClassifier, Reading
from assistant.agent.understanding.attributes import AttributeMatcher
from assistant.brand import PromptSet
from assistant.checkout import CheckoutBuilder
from assistant.config import Settings
from assistant.orders import OrderDesk
from assistant.retrieval.embeddings import Embedder
from assistant.retrieval.index import CatalogIndex
from assistant.retrieval.measure_columns import SortBy, UnknownMeasure

MAX_TOOL_ROUNDS = 6
PRESENTING_PASSES = 3  # passes after one that stopped on a presentation without a reply
MODES = ["messages", "values"]  # tokens as the model writes them, and each step's state
TRACKED_PATH = len("/c/") + 22 + 1 + 22  # a tracked link's path: /c/{link id}.{signature}


@dataclass
class TurnOutcome:
    """Everything one turn produced, for guardrails, handoff and the reply."""

    text: str
    messages: list[BaseMessage]
    results: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    engine: dict[str, Any] = field(default_factory=dict)
    handoff_requested: str | None = None

    def results_of(self, tool: str) -> list[dict[str, Any]]:
        return [r for name, r in self.results if name == tool]


class ShopAgent:
    """The agent for one shop; compiled graphs are cached per prompt variant, channel and day."""

    def __init__(
        self,
        settings: Settings,
        catalog: CatalogIndex,
        prompts: dict[str, PromptSet],
        replies: dict[str, Replies],
        checkout: CheckoutBuilder,
        orders: OrderDesk | None,
    ) -> None:
        self._settings = settings
        self._catalog = catalog
        self._attributes: AttributeMatcher | None = None
        self._prompts = prompts
        self._replies = replies
        self._checkout = checkout
        self._orders = orders
        self._graphs: dict[tuple[str, str, date], Any] = {}
        # Token streaming ("messages" mode) runs every graph step on a pool thread; a model
        # that answers whole (the offline engine) skips it and runs the steps inline, and its
        # tool calls too (see `inline_tools`).
        offline = settings.chat_model() == "offline"
        self._stream_modes = ["values"] if offline else MODES
        self._run_config: RunnableConfig = {"recursion_limit": 2 * MAX_TOOL_ROUNDS + 1}
        if offline:
            install()
            self._run_config |= ONE_AT_A_TIME

    def run(
        self,
        history: list[BaseMessage],
        text: str,
        *,
        channel: str,
        variant: str,
        conversation_id: str,
        notes: list[BaseMessage] | None = None,
        requester: str = "",
    ) -> TurnOutcome:
        """One shopper message (plus optional corrective notes) through the agent, to its reply;
        `requester` is who sends it, for the order lookup limits (`orders.requester_key`)."""
        outcome = None
        for item in self.stream(
            history,
            text,
            channel=channel,
            variant=variant,
            conversation_id=conversation_id,
            notes=notes,
            requester=requester,
        ):
            if isinstance(item, TurnOutcome):
                outcome = item
        if outcome is None:
            raise ModelBehaviourError("the agent produced no reply")
        return outcome

    def stream(
        self,
        history: list[BaseMessage],
        text: str,
        *,
        channel: str,
        variant: str,
        conversation_id: str,
        notes: list[BaseMessage] | None = None,
        requester: str = "",
    ) -> Iterator[Event | TurnOutcome]:
        """Like `run`, yielding tokens and tool results as they come, then the outcome."""
        context = ShopContext(
            catalog=self._catalog.for_turn(),
            checkout=self._checkout,
            orders=self._orders,
            prompts=self._prompts[variant],
            channel=channel,  # type: ignore[arg-type]
            conversation_id=conversation_id,
            requester=requester,
        )
        graph = self._graph(variant, channel)
        start = [*history, HumanMessage(text), *(notes or [])]
        deadline = time.monotonic() + self._settings.openai.turn_budget_s
        messages = yield from self._stream_to_reply(graph, start, context, deadline)
        if _malformed_call(messages):  # tell the model its arguments were not valid, once
            messages = yield from self._stream_to_reply(
                graph, [*messages, *_malformed_feedback(messages[-1])], context, deadline
            )
        yield _outcome(messages[len(start) :], context)

    def _stream_to_reply(
        self, graph: Any, messages: list[BaseMessage], context: ShopContext, deadline: float
    ) -> Generator[Event, None, list[BaseMessage]]:
        """Passes of the graph until the model has replied. A pass stops after a presentation
        (`present_products` returns directly); when that was not the model's reply (it had no
        text yet, or the call failed), the model goes on from there in another pass."""
        messages = yield from self._stream_once(graph, messages, context, deadline)
        for _ in range(PRESENTING_PASSES):
            if not awaits_reply(messages):
                return messages
            messages = yield from self._stream_once(graph, messages, context, deadline)
        if awaits_reply(messages):
            raise ModelBehaviourError("the model kept presenting products without replying")
        return messages

    def _stream_once(
        self, graph: Any, messages: list[BaseMessage], context: ShopContext, deadline: float
    ) -> Generator[Event, None, list[BaseMessage]]:
        """One pass of the graph; past `deadline` (the turn budget) the turn gives up."""
        final: list[BaseMessage] = messages
        seen = len(messages)
        try:
            for mode, data in graph.stream(
                {"messages": messages},
                context=context,
                config=self._run_config,
                stream_mode=self._stream_modes,
            ):
                if mode == "values":
                    final = data["messages"]
                    for message in final[seen:]:
                        if isinstance(message, ToolMessage):
                            yield ToolResult(message.name or "", _parsed(message))
                    seen = len(final)
                elif event := _model_event(data):
                    yield event
                if time.monotonic() > deadline:  # checked between model and tool steps
                    raise ModelUnavailableError("the turn ran past its time budget")
        except openai.OpenAIError as exc:
            raise ModelUnavailableError(f"the chat model failed: {exc}") from exc
        except GraphRecursionError as exc:
            raise ModelBehaviourError("the model kept calling tools without answering") from exc
        return final

    def _read_act(self, text: str) -> Reading:
        """The message's dialogue act; the classifier is built at its first use (from its cache
        on disk, or from the labelled examples), once per process and prompts folder."""
        products = self._catalog.products
        classifier = shared_classifier(
            self._settings.prompts.dir,
            self._settings.data_dir / "understanding",
            self._settings.understanding.min_confidence,
            products.embedder,
        )
        return classifier.read(text, products.query_vector(text))

    def _attribute_meant(
        self, question: str, product_id: str, attributes: dict[str, str]
    ) -> str | None:
        """The attribute a question asks about by its meaning (the matcher is built at its
        first use, with the catalog's embedder)."""
        if self._attributes is None:
            self._attributes = AttributeMatcher(self._catalog.products.embedder)
        return self._attributes.closest(question, product_id, attributes)

    def _amount_of(self, measure: str, value: float, unit: str | None) -> float | None:
        """A value said of a measure in base units (None for a measure the catalog lacks)."""
        try:
            return self._catalog.products.measures.in_base(measure, value, unit)
        except UnknownMeasure:
            return None

    def _amount(self, product_id: str, sort: SortBy) -> float | None:
        """A product's value of a measure (or price) in base units, None if it has none."""
        products = self._catalog.products
        product = products.get(product_id)
        if product is None:
            return None
        try:
            return products.rank([product], sort)[0][1]
        except UnknownMeasure:
            return None

    def _graph(self, variant: str, channel: str) -> Any:
        today = datetime.now(UTC).date()
        key = (variant, channel, today)
        if key not in self._graphs:
            prompts, style = self._prompts[variant], BRAND_CHANNEL.get(channel, channel)
            kit = Kit(
                replies=self._replies[variant],
                parser=self._catalog.parser,
                persona=prompts.brand.persona,
                brand=prompts.brand.brand,
                channel=channel,
                style=prompts.style(style),
                link_length=len(self._settings.server.public_url.rstrip("/")) + TRACKED_PATH,
                acts=self._read_act,
                amount=self._amount,
                amount_of=self._amount_of,
                attribute_meant=self._attribute_meant,
            )
            model = get_chat_model(
                self._settings,
                kit=kit,
                greeting=prompts.greeting(style),
                sign_off=prompts.brand.sign_off,
            )
            self._graphs[key] = create_agent(
                model,
                TOOLS,
                system_prompt=prompts.system_prompt(style, today),
                context_schema=ShopContext,
            )
        return self._graphs[key]


_CLASSIFIERS: dict[tuple[Path, float, int], ActClassifier] = {}
_CLASSIFIERS_LOCK = threading.Lock()


def shared_classifier(
    prompts: Path, cache_dir: Path, min_confidence: float, embedder: Embedder
) -> ActClassifier:
    """One act classifier per prompts folder, threshold and embedder in this process (the
    cache folder of the first caller serves the others)."""
    key = (prompts.resolve(), min_confidence, id(embedder))
    with _CLASSIFIERS_LOCK:
        if key not in _CLASSIFIERS:
            _CLASSIFIERS[key] = ActClassifier.from_prompts(
                prompts, embedder, cache_dir=cache_dir, min_confidence=min_confidence
            )
        return _CLASSIFIERS[key]


def _model_event(data: Any) -> Event | None:
    """A streamed chunk of the model node: reply text, or the sign it became a tool call."""
    chunk, meta = data
    if not isinstance(chunk, AIMessageChunk) or meta.get("langgraph_node") != "model":
        return None
    message_id = chunk.id or ""
    if chunk.tool_call_chunks:
        return BecameToolCall(message_id)
    if isinstance(chunk.content, str) and chunk.content:
        return Token(chunk.content, message_id)
    return None


def _malformed_call(messages: list[BaseMessage]) -> bool:
    last = messages[-1] if messages else None
    return isinstance(last, AIMessage) and bool(last.invalid_tool_calls) and not last.text.strip()


def _malformed_feedback(message: BaseMessage) -> list[BaseMessage]:
    """Tool messages telling the model which of its calls had arguments that were not valid."""
    assert isinstance(message, AIMessage)
    return [
        ToolMessage(
            content=f"Error: the arguments of {call.get('name') or 'this tool'} were not valid "
            f"JSON ({(call.get('error') or 'unparseable')[:200]}); "
            "call it again with valid JSON arguments.",
            tool_call_id=call.get("id") or "invalid",
            name=call.get("name") or "",
            status="error",
        )
        for call in message.invalid_tool_calls
    ]


def _outcome(new: list[BaseMessage], context: ShopContext) -> TurnOutcome:
    at = final_reply(new)  # the last message, or the reply the turn ended on presenting
    final = new[at] if at is not None else AIMessage(content="")
    assert isinstance(final, AIMessage)
    return TurnOutcome(
        text=final.text,
        messages=new,
        results=[(m.name or "", _parsed(m)) for m in new if isinstance(m, ToolMessage)],
        engine=dict(final.additional_kwargs.get(KEY, {})),
        handoff_requested=context.handoff_reasons[-1] if context.handoff_reasons else None,
    )


def _parsed(message: ToolMessage) -> dict[str, Any]:
    try:
        data = json.loads(message.text)
    except (json.JSONDecodeError, TypeError):
        return {"error": message.text}
    return data if isinstance(data, dict) else {"value": data}
