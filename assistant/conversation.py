"""One turn end to end: keep the message, check who owns the conversation, run the agent,
ground the reply, decide on a handoff, and hand back a `Reply`. Used by the CLI, the API and
the eval runner alike."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from assistant import reply_content
from assistant.agent.errors import ModelBehaviourError, ModelUnavailableError
from assistant.agent.guardrails import CatalogNames, Facts, ground, repair
from assistant.agent.offline.replies import Replies
from assistant.agent.offline.router import GREETING_CHIPS
from assistant.agent.runner import ShopAgent, TurnOutcome
from assistant.brand import PromptSet, available_variants, load_prompts
from assistant.brand.variants import choose_variant
from assistant.checkout import CheckoutBuilder
from assistant.config import Settings
from assistant.handoff import HandoffDecision, TurnSignals, decide_handoff
from assistant.messages import Channel, Handoff, InboundMessage, QuickReply, Reply
from assistant.orders import OrderDesk, get_order_source
from assistant.retrieval.index import CatalogIndex
from assistant.stream_gate import GroundedStream

State = Literal["bot", "pending_human", "human", "closed"]
TROUBLE = (
    "Sorry, I'm having trouble answering right now. "
    "Would you like me to connect you with a teammate?"
)


@dataclass
class Conversation:
    """A conversation's memory (kept in process until the database store arrives)."""

    id: str
    channel: str
    sender: str
    variant: str
    state: State = "bot"
    history: list[BaseMessage] = field(default_factory=list)
    inbound: list[InboundMessage] = field(default_factory=list)
    fallbacks: int = 0


class Concierge:
    """The assistant for one shop: catalog, agent and conversations."""

    def __init__(
        self,
        settings: Settings,
        catalog: CatalogIndex,
        agent: ShopAgent,
        prompts: dict[str, PromptSet],
    ):
        self.settings = settings
        self.catalog = catalog
        self._agent = agent
        self._prompts = prompts
        self._conversations: dict[str, Conversation] = {}
        products = catalog.products.products
        self._names = CatalogNames((p.title for p in products), (p.id for p in products))

    @property
    def persona(self) -> str:
        return self._prompts[self.settings.prompts.variant].brand.persona

    def greeting(self, channel: str) -> str:
        return self._prompts[self.settings.prompts.variant].greeting(
            "web" if channel == "cli" else channel
        )

    @classmethod
    def from_settings(cls, settings: Settings, catalog: CatalogIndex | None = None) -> Concierge:
        """Everything wired from settings; fails at start on a broken prompt file or index."""
        catalog = catalog or CatalogIndex.open(settings)
        names = available_variants(settings.prompts.dir)
        prompts = {name: load_prompts(settings.prompts.dir, name) for name in names}
        replies = {name: Replies.load(settings.prompts.dir, name) for name in names}
        source = get_order_source(settings)
        checkout = CheckoutBuilder(
            catalog.products.products, settings.checkout, settings.catalog.shop_domain
        )
        agent = ShopAgent(
            settings, catalog, prompts, replies, checkout, OrderDesk(source) if source else None
        )
        return cls(settings, catalog, agent, prompts)

    def start(self, channel: Channel, sender: str) -> tuple[str, Reply]:
        """A new conversation and its greeting."""
        conversation_id = new_conversation_id()
        self.conversation(
            InboundMessage(channel=channel, sender=sender, conversation_id=conversation_id)
        )
        chips = [QuickReply(title=c, payload=c) for c in GREETING_CHIPS]
        return conversation_id, Reply(text=self.greeting(channel), quick_replies=chips)

    def get(self, conversation_id: str) -> Conversation | None:
        return self._conversations.get(conversation_id)

    def conversation(self, message: InboundMessage) -> Conversation:
        key = message.conversation_id or f"{message.channel}:{message.sender}"
        if key not in self._conversations:
            variant = choose_variant(key, self.settings.prompts)
            self._conversations[key] = Conversation(key, message.channel, message.sender, variant)
        return self._conversations[key]

    def handle(self, message: InboundMessage) -> Reply:
        """Answer one shopper message."""
        reply = Reply(text="")
        for item in self.stream(message):
            if isinstance(item, Reply):
                reply = item
        return reply

    def stream(self, message: InboundMessage) -> Iterator[str | Reply]:
        """Answer one message, yielding text as it is produced, then the final `Reply`."""
        conversation = self.conversation(message)
        conversation.inbound.append(message)  # kept before anything can fail
        if conversation.state in ("pending_human", "human"):
            yield Reply(text="")
            return
        text = (message.quick_reply or message.text).strip()
        gate = GroundedStream(self._names)  # streamed text goes out only once grounded
        try:
            outcome = None
            for item in self._agent.stream(
                conversation.history,
                text,
                channel=conversation.channel,
                variant=conversation.variant,
                conversation_id=conversation.id,
            ):
                if isinstance(item, TurnOutcome):
                    outcome = item
                elif released := gate.feed(item):
                    yield released
            if outcome is None or not (outcome.text.strip() or outcome.handoff_requested):
                raise ModelBehaviourError("the agent produced no reply")
            outcome = self._grounded(conversation, text, outcome)
        except (ModelUnavailableError, ModelBehaviourError):
            conversation.history.append(HumanMessage(text))
            yield Reply(
                text=TROUBLE,
                quick_replies=[QuickReply(title="Talk to a person", payload="Talk to a person")],
            )
            return
        reply = self._finish(conversation, text, outcome)
        if gate.released and reply.text.startswith(gate.released):
            if rest := reply.text[len(gate.released) :]:
                yield rest
        elif not gate.released and reply.text:
            yield reply.text
        yield reply

    def _grounded(self, conversation: Conversation, text: str, outcome: TurnOutcome) -> TurnOutcome:
        facts = Facts.collect(r for _, r in outcome.results)
        verdict = ground(outcome.text, facts, self._names)
        if verdict.ok:
            return outcome
        if outcome.engine:  # the offline engine: drop the unsupported sentences
            outcome.text = repair(outcome.text, facts, self._names) or TROUBLE
            return outcome
        note = SystemMessage(
            "Your reply contained claims that no tool result supports: "
            + "; ".join(verdict.problems)
            + ". Answer again using only facts from tool results, calling tools if needed."
        )
        again = self._agent.run(
            conversation.history,
            text,
            channel=conversation.channel,
            variant=conversation.variant,
            conversation_id=conversation.id,
            notes=[note],
        )
        if ground(again.text, Facts.collect(r for _, r in again.results), self._names).ok:
            return again
        again.handoff_requested = "reply could not be grounded"
        again.text = ""
        return again

    def _finish(self, conversation: Conversation, text: str, outcome: TurnOutcome) -> Reply:
        prompts = self._prompts[conversation.variant]
        style = prompts.style("web" if conversation.channel == "cli" else conversation.channel)
        fallback = bool(outcome.engine.get("fallback"))
        conversation.fallbacks = conversation.fallbacks + 1 if fallback else 0
        decision = decide_handoff(
            TurnSignals(
                text=text,
                model_requested=outcome.handoff_requested,
                consecutive_fallbacks=conversation.fallbacks,
                similarity=reply_content.best_similarity(outcome),
                fallback=fallback,
            ),
            self.settings.handoff,
        )
        reply = Reply(
            text=outcome.text,
            products=reply_content.cards_shown(outcome, style.max_cards),
            quick_replies=reply_content.quick_replies(outcome, style.max_quick_replies),
            checkout_url=reply_content.checkout_url(outcome),
        )
        if decision.handoff:
            self._hand_off(conversation, reply, decision, outcome, prompts)
        conversation.history.extend([HumanMessage(text), *_as_sent(outcome.messages, reply.text)])
        return reply

    def _hand_off(
        self,
        conversation: Conversation,
        reply: Reply,
        decision: HandoffDecision,
        outcome: TurnOutcome,
        prompts: PromptSet,
    ) -> None:
        conversation.state = "pending_human"
        message = prompts.handoff_message(datetime.now(UTC))
        if outcome.handoff_requested is None or message not in reply.text:
            reply.text = f"{reply.text}\n\n{message}".strip()
        reply.quick_replies = []
        reply.handoff = Handoff(
            reason=decision.reason or "handoff",
            confidence=decision.confidence,
            summary=text_summary(conversation),
        )


def _as_sent(messages: list[BaseMessage], text: str) -> list[BaseMessage]:
    """The turn's messages with the final one holding the text actually sent (not a draft)."""
    if messages and isinstance(messages[-1], AIMessage) and messages[-1].text != text:
        return [*messages[:-1], messages[-1].model_copy(update={"content": text})]
    return messages


def transcript(conversation: Conversation) -> list[tuple[str, str]]:
    """(role, text) of what the shopper and the assistant said, in order."""
    said: list[tuple[str, str]] = []
    for message in conversation.history:
        if isinstance(message, HumanMessage):
            said.append(("shopper", message.text))
        elif isinstance(message, AIMessage) and message.text.strip() and not message.tool_calls:
            said.append(("assistant", message.text))
    return said


def text_summary(conversation: Conversation) -> str:
    """What the shopper asked, in their words: the last few messages."""
    asked = [m.text.strip() for m in conversation.inbound[-3:] if m.text.strip()]
    return " / ".join(asked)[:500]


def new_conversation_id() -> str:
    return uuid.uuid4().hex
