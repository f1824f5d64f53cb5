"""One turn end to end: keep the message, check who owns the conversation, run the agent,
ground the reply, decide on a handoff, and hand back a `Reply`. Used by the CLI, the API and
the eval runner alike. Everything a turn needs survives a restart: it lives in the store."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from assistant import reply_content
from assistant.agent.disclosure import DECLINE, DisclosureGuard, secret_values
from assistant.agent.errors import ModelBehaviourError, ModelUnavailableError
from assistant.agent.guardrails import CatalogNames, Facts, ground, repair
from assistant.agent.offline.replies import Replies
from assistant.agent.offline.router import GREETING_CHIPS
from assistant.agent.presentation import final_reply
from assistant.agent.runner import ShopAgent, TurnOutcome
from assistant.analytics import kinds
from assistant.brand import PromptSet, available_variants, load_prompts
from assistant.brand.variants import choose_variant
from assistant.channels.fallback import resolve_numbered_reply
from assistant.checkout import CheckoutBuilder
from assistant.config import Settings
from assistant.desk import aftercare, intake
from assistant.desk.confidence import act_reader
from assistant.desk.handover import handover
from assistant.desk.routing import route, shopper_words
from assistant.desk.wait import expected_wait
from assistant.handoff import TurnSignals, decide_handoff
from assistant.links import LinkSigner, secret_key
from assistant.messages import Channel, Handoff, InboundMessage, QuickReply, Reply
from assistant.orders import get_order_desk, requester_key
from assistant.preference_keeper import PreferenceKeeper
from assistant.retrieval.index import CatalogIndex
from assistant.store import Store
from assistant.store.configured import open_store
from assistant.store.models import ConversationRow
from assistant.store.preferences import Remembered
from assistant.store.turns import EARLIER_FIRST, Taken, TurnStart
from assistant.stream_gate import GroundedStream
from assistant.turn_failures import guarded

TROUBLE = (
    "Sorry, I'm having trouble answering right now. "
    "Would you like me to connect you with a teammate?"
)
WAITING = ("pending_human", "human")
IN_ORDER_WAIT_S = 15.0

Observer = Callable[[TurnOutcome], None]
"""Called with a turn's grounded outcome (tools run, their arguments and results): evals use it."""

CHANNELS = ("web", "whatsapp", "messenger", "instagram", "sms")
log = logging.getLogger("assistant.conversation")
Renderer = Callable[[ConversationRow, Reply], list[dict[str, Any]]]


class Concierge:
    """The assistant for one shop: catalog, agent, store."""

    def __init__(
        self,
        settings: Settings,
        catalog: CatalogIndex,
        agent: ShopAgent,
        prompts: dict[str, PromptSet],
        store: Store,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.store = store
        self._agent = agent
        self._prompts = prompts
        self._links = LinkSigner(secret_key(settings))
        self._keeper = PreferenceKeeper(store, catalog.parser)
        self._render: Renderer | None = None
        self._disclosure = DisclosureGuard(
            (
                p.system_prompt(c, datetime.now(UTC).date())
                for p in prompts.values()
                for c in CHANNELS
            ),
            [*secret_values(settings), secret_key(settings).decode()],
            settings.checkout.discount_codes,
        )
        products = catalog.products.products
        self._names = CatalogNames((p.title for p in products), (p.id for p in products))

    @classmethod
    def from_settings(
        cls, settings: Settings, catalog: CatalogIndex | None = None, store: Store | None = None
    ) -> Concierge:
        """Everything wired from settings; fails at start on a broken prompt file or index."""
        catalog = catalog or CatalogIndex.open(settings)
        names = available_variants(settings.prompts.dir)
        prompts = {name: load_prompts(settings.prompts.dir, name) for name in names}
        replies = {name: Replies.load(settings.prompts.dir, name) for name in names}
        store = store or open_store(settings)
        checkout = CheckoutBuilder(
            catalog.products.products, settings.checkout, settings.catalog.shop_domain
        )
        orders = get_order_desk(settings, store)  # misses counted in the store
        agent = ShopAgent(settings, catalog, prompts, replies, checkout, orders)
        return cls(settings, catalog, agent, prompts, store)

    def deliver_through(self, render: Renderer) -> None:
        """Queue each turn's reply, rendered by `render`, in the turn's own transaction."""
        self._render = render

    def _outbox(self, conversation: ConversationRow, reply: Reply) -> dict[str, Any]:
        """finish_turn's delivery arguments: the reply's provider payloads (if it is delivered), its
        recipient, and the conversation row the turn began with."""
        payloads = self._render(conversation, reply) if self._render else []
        return {"outbox": payloads, "recipient": conversation.sender, "conversation": conversation}

    @property
    def prompts(self) -> PromptSet:
        """The default variant's prompts (channel styles, handoff texts)."""
        return self._prompts[self.settings.prompts.variant]

    @property
    def persona(self) -> str:
        return self._prompts[self.settings.prompts.variant].brand.persona

    def greeting(self, channel: str) -> str:
        return self._prompts[self.settings.prompts.variant].greeting(
            "web" if channel == "cli" else channel
        )

    def start(
        self, channel: Channel, sender: str, *, secret_hash: str | None = None
    ) -> tuple[str, Reply]:
        """A new conversation and its greeting; a web chat's keeps the hash of its secret."""
        conversation_id = uuid.uuid4().hex
        variant = choose_variant(conversation_id, self.settings.prompts)
        _, remembered = self.store.open_conversation(
            conversation_id, channel, sender, variant, secret_hash=secret_hash
        )
        favourites = self._keeper.favourites(remembered)[:2]  # a returning shopper's, first
        chips = [QuickReply(title=c, payload=c) for c in [*favourites, *GREETING_CHIPS]]
        return conversation_id, Reply(text=self.greeting(channel), quick_replies=chips)

    def get(self, conversation_id: str) -> ConversationRow | None:
        return self.store.get_conversation(conversation_id)

    def conversation(self, message: InboundMessage) -> ConversationRow:
        key, variant = self._key(message)
        return self.store.get_or_create_conversation(key, message.channel, message.sender, variant)

    def _key(self, message: InboundMessage) -> tuple[str, str]:
        """The conversation a message belongs to, and the prompt variant it gets if new."""
        key = message.conversation_id or f"{message.channel}:{message.sender}"
        return key, choose_variant(key, self.settings.prompts)

    def handle(self, message: InboundMessage, observer: Observer | None = None) -> Reply:
        """Answer one shopper message; `observer` sees the turn's outcome before the reply."""
        reply = Reply(text="")
        for item in self.stream(message, observer):
            if isinstance(item, Reply):
                reply = item
        return reply

    def stream(
        self,
        message: InboundMessage,
        observer: Observer | None = None,
        *,
        existing: bool = False,
        resent: Callable[[InboundMessage], Reply] | None = None,
    ) -> Iterator[str | Reply]:
        """Answer one message, yielding grounded text as it is produced, then the final `Reply`.

        The message is stored before anything else; a provider's retry of a message already
        stored gets no second answer (or what `resent` gives it). Turns of one conversation
        run one at a time: when none runs, the message is kept and its turn begun in one
        transaction; otherwise it is kept at once and waits its turn. With `existing`, the
        conversation must exist already (`RecordNotFound`).
        """
        key, variant = self._key(message)
        with self.store.conversation_lock_if_free(key) as free:
            if free:
                taken = self.store.receive_and_begin(key, variant, message, existing=existing)
                if taken is not None and isinstance(taken.begun, TurnStart):
                    conversation_id, message_id = taken.conversation.id, taken.message_id
                    yield from self._turn(
                        conversation_id, message_id, message, taken.begun, observer
                    )
                    return
        if not free:  # a turn of the conversation runs: keep the message now, then wait
            received = self.receive(message, existing=existing)
            taken = Taken(received[0], received[1], EARLIER_FIRST) if received else None
        if taken is None:  # stored before: a retry
            yield resent(message) if resent else Reply(text="")
            return
        yield from self.process(taken.conversation, taken.message_id, message, observer=observer)

    def receive(
        self, message: InboundMessage, *, existing: bool = False
    ) -> tuple[ConversationRow, int, InboundMessage] | None:
        """Store an inbound message before anything else; None when it is a provider's retry.
        With `existing`, the conversation must exist already (`RecordNotFound`)."""
        key, variant = self._key(message)
        conversation, row, created = self.store.receive_inbound(
            key, variant, message, existing=existing
        )
        return (conversation, row.id, message) if created else None

    def process(
        self,
        conversation: ConversationRow,
        message_id: int,
        message: InboundMessage,
        observer: Observer | None = None,
    ) -> Iterator[str | Reply]:
        """Run the turn of a stored message (one turn at a time per conversation, in the order
        the messages arrived: a turn lets an earlier message's turn go first, waiting up to
        `IN_ORDER_WAIT_S` for it, so a lost worker cannot hold the conversation up)."""
        deadline = time.monotonic() + IN_ORDER_WAIT_S
        while True:
            with self.store.conversation_lock(conversation.id):
                in_order = time.monotonic() < deadline
                begun = self.store.begin_turn(
                    conversation.id, message_id, earlier_first=in_order,
                    max_attempts=self.settings.store.max_turn_attempts,
                )  # fmt: skip
                if begun != EARLIER_FIRST:
                    yield from self._turn(conversation.id, message_id, message, begun, observer)
                    return
            time.sleep(0.02)  # outside the lock: the earlier turn takes it

    def _turn(
        self,
        conversation_id: str,
        message_id: int,
        message: InboundMessage,
        begun: TurnStart | None,
        observer: Observer | None = None,
    ) -> Iterator[str | Reply]:
        """The turn's steps; one that raises ends in an apology (see `turn_failures`)."""
        steps = self._steps(conversation_id, message_id, message, begun, observer)
        attempts = self.settings.store.max_turn_attempts
        return guarded(
            steps, self.store, conversation_id, message_id, max_attempts=attempts,
            apology=_trouble(),
        )  # fmt: skip

    def _steps(
        self,
        conversation_id: str,
        message_id: int,
        message: InboundMessage,
        begun: TurnStart | None,
        observer: Observer | None = None,
    ) -> Iterator[str | Reply]:
        if begun is None:  # already answered, by another worker or before a restart
            yield Reply(text="")
            return
        conversation, history, remembered = begun
        channel = conversation.channel
        arrived = kinds.message_in(message_id, message.received_at)
        if conversation.state == "closed":  # a CSAT rating, or the conversation reopens
            after = aftercare.shopper_wrote(
                self.store, conversation_id, message.quick_reply or message.text
            )
            if after.reply is not None:
                self.store.finish_turn(
                    conversation_id, message_id, history=[], reply=after.reply, channel=channel,
                    events=[arrived], **self._outbox(conversation, after.reply),
                )  # fmt: skip
                yield after.reply
                return
            conversation.state = after.state
        if conversation.state in WAITING:
            self.store.finish_turn(
                conversation_id, message_id, history=[], reply=None, channel=channel,
                events=[arrived], relay=message.quick_reply or message.text,
                conversation=conversation,
            )  # fmt: skip
            yield Reply(text="")
            return
        text = (message.quick_reply or self._numbered(conversation_id, message.text)).strip()
        if (kept := self._keeper.intercept(conversation, text)) is not None:  # remember/forget
            self.store.finish_turn(
                conversation_id, message_id, history=[HumanMessage(text), AIMessage(kept.text)],
                reply=kept, channel=channel, **self._outbox(conversation, kept),
            )  # fmt: skip
            yield kept
            return
        notes = self._keeper.notes(remembered)  # saved preferences, with consent
        requester = requester_key(message.channel, message.sender, message.client_address)
        gate = GroundedStream(self._names, self._disclosure.allows)  # released once checked
        try:
            outcome = None
            for item in self._agent.stream(
                history,
                text,
                channel=channel,
                variant=conversation.variant,
                conversation_id=conversation_id,
                notes=notes,
                requester=requester,
            ):
                if isinstance(item, TurnOutcome):
                    outcome = item
                elif released := gate.feed(item):
                    yield released
            if outcome is None or not (outcome.text.strip() or outcome.handoff_requested):
                raise ModelBehaviourError("the agent produced no reply")
            outcome = self._grounded(conversation, history, text, outcome, notes, requester)
            outcome = self._disclosed(conversation_id, outcome)
            if observer is not None:
                observer(outcome)
        except (ModelUnavailableError, ModelBehaviourError) as exc:
            reply = _trouble()
            self.store.finish_turn(
                conversation_id, message_id, history=[HumanMessage(text)], reply=reply,
                channel=channel, error=str(exc)[:500], **self._outbox(conversation, reply),
                events=[arrived, kinds.bot_answer(message.received_at, error=True)],
            )  # fmt: skip
            yield reply
            return
        reply = self._finish(conversation, message_id, message, text, outcome, remembered, history)
        if gate.released and reply.text.startswith(gate.released):
            if rest := reply.text[len(gate.released) :]:
                yield rest
        elif not gate.released and reply.text:
            yield reply.text
        yield reply

    def _disclosed(self, conversation_id: str, outcome: TurnOutcome) -> TurnOutcome:
        """A reply that would disclose what it must not is replaced by a decline."""
        problems = self._disclosure.problems(outcome.text)
        if not problems:
            return outcome
        log.warning(
            "reply withheld: %s", "; ".join(problems), extra={"conversation_id": conversation_id}
        )
        outcome.text, outcome.results = DECLINE, []
        return outcome

    def _numbered(self, conversation_id: str, text: str) -> str:
        """A bare "2" on a text channel picks option 2 of the last reply's quick replies."""
        if not text.strip().rstrip(".)").isdigit():
            return text
        for row in reversed(self.store.messages(conversation_id, limit=50)):
            if row.direction == "outbound":
                options = Reply.model_validate(row.payload or {"text": ""}).quick_replies
                picked = resolve_numbered_reply(text, options)
                return picked.payload if picked else text
        return text

    def _grounded(
        self,
        conversation: ConversationRow,
        history: list[BaseMessage],
        text: str,
        outcome: TurnOutcome,
        notes: list[BaseMessage],
        requester: str,
    ) -> TurnOutcome:
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
            history,
            text,
            channel=conversation.channel,
            variant=conversation.variant,
            conversation_id=conversation.id,
            notes=[*notes, note],
            requester=requester,
        )
        if ground(again.text, Facts.collect(r for _, r in again.results), self._names).ok:
            return again
        again.handoff_requested = "reply could not be grounded"
        again.text = ""
        return again

    def _finish(
        self,
        conversation: ConversationRow,
        message_id: int,
        message: InboundMessage,
        text: str,
        outcome: TurnOutcome,
        remembered: Remembered,
        history: list[BaseMessage],
    ) -> Reply:
        prompts = self._prompts[conversation.variant]
        style = prompts.style("web" if conversation.channel == "cli" else conversation.channel)
        fallback = bool(outcome.engine.get("fallback"))
        fallbacks = conversation.consecutive_fallbacks + 1 if fallback else 0
        signals = TurnSignals(
            text=text,
            model_requested=outcome.handoff_requested,
            consecutive_fallbacks=fallbacks,
            similarity=reply_content.best_similarity(outcome),
            fallback=fallback,
        )
        decision = decide_handoff(signals, self.settings.handoff)
        reply = Reply(
            text=outcome.text,
            products=reply_content.cards_shown(outcome, style.max_cards),
            quick_replies=reply_content.quick_replies(outcome, style.max_quick_replies),
            checkout_url=reply_content.checkout_url(outcome),
        )
        events = [kinds.message_in(message_id, message.received_at)]
        events += kinds.tools_called(name for name, _ in outcome.results)
        events += kinds.products_shown([card.product_id for card in reply.products])
        if reply.checkout_url:
            events.append(kinds.link_created(self._track(conversation, reply)))
        if decision.handoff:
            turn = [HumanMessage(text), *outcome.messages]
            handoff = handover(
                decision, signals, self.settings.handoff, history, turn,
                fallbacks_before=conversation.consecutive_fallbacks,
                read=act_reader(self.settings, self.catalog),
            )  # fmt: skip
            self._hand_off(conversation, reply, handoff, prompts, outcome.handoff_requested)
            events.append(kinds.handoff(handoff.reason, decision.confidence))
        else:
            self._keeper.offer(conversation, remembered, text, reply, style.max_quick_replies)
        events.append(kinds.bot_answer(message.received_at))
        self.store.finish_turn(
            conversation.id,
            message_id,
            history=[HumanMessage(text), *_as_sent(outcome.messages, reply.text)],
            reply=reply,
            channel=conversation.channel,
            fallbacks=fallbacks if fallbacks != conversation.consecutive_fallbacks else None,
            state="pending_human" if decision.handoff else None,
            events=events,
            ticket=intake.new_ticket(self.store, self.settings, conversation, reply)
            if reply.handoff
            else None,
            **self._outbox(conversation, reply),
        )
        return reply

    def _track(self, conversation: ConversationRow, reply: Reply) -> str:
        """Swap the cart URL for a tracked `/c/{token}` link that records the click; return
        the link's id."""
        cart = reply.checkout_url or ""
        link_id = self.store.create_link(
            cart,
            conversation_id=conversation.id,
            channel=conversation.channel,
            variant=conversation.variant,
        )
        tracked = f"{self.settings.server.public_url.rstrip('/')}/c/{self._links.sign(link_id)}"
        reply.checkout_url = tracked
        reply.text = reply.text.replace(cart, tracked)
        return link_id

    def resolve_link(self, token: str, user_agent: str | None) -> str | None:
        """The cart URL behind a tracked link (recording the click), None for a bad token."""
        link_id = self._links.verify(token)
        return self.store.resolve_and_record_click(link_id, user_agent) if link_id else None

    def _hand_off(
        self,
        conversation: ConversationRow,
        reply: Reply,
        handoff: Handoff,
        prompts: PromptSet,
        requested: str | None,
    ) -> None:
        """Tell the shopper a person is coming, and how soon (measured from the team's recent
        tickets); the state changes with the turn's other writes."""
        now = datetime.now(UTC)
        stated = prompts.handoff_message(now)  # what a handoff tool call already wrote
        team = route(handoff.reason, self.summary(conversation.id), self.settings.desk)
        wait = expected_wait(self.store, team, prompts.brand.human_reply_wait)
        message = prompts.handoff_message(now, wait=wait)
        if message != stated and stated in reply.text:
            reply.text = reply.text.replace(stated, message)
        elif requested is None or message not in reply.text:
            reply.text = f"{reply.text}\n\n{message}".strip()
        reply.quick_replies = []
        reply.handoff = handoff

    def summary(self, conversation_id: str) -> str:
        """What the shopper asked, in their words: the last few messages (teams are routed on
        these; the ticket's summary is the brief, `desk.handover`)."""
        return shopper_words(self.store.messages(conversation_id, limit=50))

    def transcript(self, conversation_id: str) -> list[tuple[str, str]]:
        """(role, text) of what the shopper and the assistant said, in order."""
        said = []
        for row in self.store.messages(conversation_id, limit=500):
            if row.text:
                said.append(("shopper" if row.direction == "inbound" else "assistant", row.text))
        return said


def _as_sent(messages: list[BaseMessage], text: str) -> list[BaseMessage]:
    """The turn's messages with the reply's message holding the text actually sent (not a
    draft): the last one, or the one that presented products with the reply."""
    at = final_reply(messages)
    if at is not None and messages[at].text != text:
        sent = messages[at].model_copy(update={"content": text})
        return [*messages[:at], sent, *messages[at + 1 :]]
    return messages


def _trouble() -> Reply:
    """The apology of a turn that could not answer, with a way to a person."""
    person = QuickReply(title="Talk to a person", payload="Talk to a person")
    return Reply(text=TROUBLE, quick_replies=[person])


def new_conversation_id() -> str:
    return uuid.uuid4().hex
