"""The offline chat model: plans tool calls like a good model, writes replies from templates.

It is a LangChain `BaseChatModel`, so `create_agent` runs it exactly like a hosted model: it
answers a shopper message with tool calls, and tool results with either more tool calls or the
final reply. Deterministic and local: no network, no weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from langchain_core.callbacks import BaseCallbackManager, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, ToolCall, ToolMessage
from langchain_core.messages.tool import tool_call
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig, ensure_config
from langchain_core.tools import BaseTool
from pydantic import ConfigDict

from assistant.agent.offline.actions import Action, Answer, Call
from assistant.agent.offline.fit import fit
from assistant.agent.offline.kit import Kit, Turn
from assistant.agent.offline.memory import KEY, Memory
from assistant.agent.offline.router import resume, route
from assistant.agent.presentation import MAX_PRODUCTS, PRESENT, fits


class OfflineChatModel(BaseChatModel):
    """Deterministic shop-assistant model over one channel's templates and catalog vocabulary."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kit: Kit
    greeting: str
    sign_off: str

    @property
    def _llm_type(self) -> str:
        return "concierge-offline"

    def bind_tools(  # type: ignore[override]
        self, tools: Sequence[dict[str, Any] | type | BaseTool | Any], **kwargs: Any
    ) -> Runnable[Any, BaseMessage]:
        """Tools are called by name; the engine knows them, so binding changes nothing."""
        return self

    def invoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """The reply, computed inline when nobody listens: with no callback handler in the run's
        config (a token stream, a tracer), LangChain's run bookkeeping around `_generate` (run
        ids, callback managers, start and end events) would cost more than the engine itself.
        With a handler, the whole path runs, so every listener hears the run as usual."""
        callbacks = ensure_config(config).get("callbacks")
        handlers = callbacks.handlers if isinstance(callbacks, BaseCallbackManager) else callbacks
        if handlers:
            return super().invoke(input, config, stop=stop, **kwargs)
        return cast(
            AIMessage, self._generate(self._messages(input), stop=stop).generations[0].message
        )

    def _messages(self, input: LanguageModelInput) -> list[BaseMessage]:
        """The input as messages. The agent passes a list of messages, which LangChain's
        conversion (a prompt value, validated) would give back as they are, in a new list."""
        if isinstance(input, list) and all(isinstance(m, BaseMessage) for m in input):
            return list(input)
        return self._convert_input(input).to_messages()

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if (again := _unpresented(messages)) is not None:
            return ChatResult(generations=[ChatGeneration(message=again)])
        memory = Memory.read(messages)
        turn = Turn(memory, self.kit)
        step = memory.step
        action = route(turn, self.greeting, self.sign_off) if step is None else resume(turn, step)
        if isinstance(action, Answer):
            action.text = fit(action.text.strip(), self.kit.style, self.kit.link_length)
        style = self.kit.style
        chips = style.max_quick_replies if style is not None else MAX_PRODUCTS
        message = _message(action, memory.turn_count, chips)
        return ChatResult(generations=[ChatGeneration(message=message)])


def _message(action: Action, turn_count: int, max_quick_replies: int) -> AIMessage:
    if isinstance(action, Call):
        calls = [
            {
                "name": name,
                "args": args,
                "id": f"offline-{turn_count}-{action.step.flow}-{action.step.stage}-{n}",
                "type": "tool_call",
            }
            for n, (name, args) in enumerate(action.calls)
        ]
        return AIMessage(
            content="",
            tool_calls=calls,
            additional_kwargs={KEY: {"step": action.step.model_dump()}},
        )
    return _answer(action, turn_count, max_quick_replies)


def _answer(answer: Answer, turn_count: int, max_quick_replies: int) -> AIMessage:
    """The reply, presenting its cards and quick replies with the `present_products` call a
    hosted model would make; the turn ends once it succeeds (`presentation`)."""
    carry = answer.carry.model_copy()
    carry.fallbacks = carry.fallbacks + 1 if answer.fallback else 0
    extra = {
        "carry": carry.model_dump(),
        "checkout_url": answer.checkout_url,
        "fallback": answer.fallback,
    }
    products = answer.cards[:MAX_PRODUCTS]
    chips = [c for c in answer.quick_replies if fits(c)][:max_quick_replies]
    calls: list[ToolCall] = []
    if products or chips:
        args = {"product_ids": products, "quick_replies": chips}
        calls = [tool_call(name=PRESENT, args=args, id=f"offline-{turn_count}-present")]
    return AIMessage(content=answer.text.strip(), tool_calls=calls, additional_kwargs={KEY: extra})


def _unpresented(messages: list[BaseMessage]) -> AIMessage | None:
    """The engine's reply again, without the presentation, if its presentation just failed
    (it never should: the engine presents only products from the turn's results)."""
    last = messages[-1] if messages else None
    if not isinstance(last, ToolMessage) or last.name != PRESENT:
        return None
    reply = next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)
    if reply is None or "carry" not in reply.additional_kwargs.get(KEY, {}):
        return None
    return AIMessage(content=reply.content, additional_kwargs=reply.additional_kwargs)
