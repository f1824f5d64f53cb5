"""The desk's actions on a conversation: claim, reply, hand back, close (asking for a CSAT
rating), reopen. Each is one unit of work that locks the conversation row, checks the move
against `lifecycle`, the agent's team and ownership, and writes the state, the ticket, the
reply and the analytics event together; the courier then sends what was queued."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.channels.base import Payload
from assistant.channels.errors import WindowClosedError
from assistant.delivery import Courier
from assistant.desk import csat
from assistant.desk.errors import ClaimedByAnother, NoSuchConversation, NotYourTeam, ReplyNotAllowed
from assistant.desk.lifecycle import Action, next_state
from assistant.desk.views import TEMPLATE_ONLY, Window
from assistant.messages import Reply
from assistant.store import Store
from assistant.store.desk_models import HandoffTicket, HelpdeskDelivery
from assistant.store.events import NewEvent, add_events
from assistant.store.models import ConversationRow, MessageRow, OutboxItem, utcnow
from assistant.store.tickets import queue_helpdesk, ticket_document

log = logging.getLogger("assistant.desk")
EVENTS: dict[str, str] = {"claim": "handoff_claimed", "handback": "handed_back", "close": "closed"}


class Actor(Protocol):
    """Whoever acts: an agent of the console (`AgentOut`) or of the external helpdesk."""

    @property
    def username(self) -> str: ...
    @property
    def team(self) -> str: ...
    @property
    def is_admin(self) -> bool: ...


@dataclass(frozen=True)
class Outgoing:
    """A message to record and queue in the action's unit of work."""

    reply: Reply
    payloads: list[Payload]
    author: str | None


class Desk:
    """Agent actions over the store, delivering through the courier's channel adapters."""

    def __init__(self, store: Store, courier: Courier | None) -> None:
        self.store = store
        self.courier = courier

    def claim(self, conversation_id: str, agent: Actor) -> ConversationRow:
        """Take the conversation: the bot stays paused, the agent owns it."""
        return self._act(conversation_id, agent, "claim")

    def reply(
        self, conversation_id: str, agent: Actor, text: str, *, send_template: bool = False
    ) -> ConversationRow:
        """Send the shopper a message through their channel (claiming an unclaimed ticket)."""
        conversation = self._conversation(conversation_id)
        reply = Reply(text=text)
        payloads = self._render(conversation, reply)
        if payloads and all(p.is_template for p in payloads) and not send_template:
            raise ReplyNotAllowed(f"{TEMPLATE_ONLY}; send it with send_template=true")
        return self._act(conversation_id, agent, "reply", Outgoing(reply, payloads, agent.username))

    def hand_back(self, conversation_id: str, agent: Actor) -> ConversationRow:
        """Return the conversation to the bot; the ticket is done."""
        return self._act(conversation_id, agent, "handback")

    def close(
        self, conversation_id: str, agent: Actor, *, follow_up: bool = False
    ) -> ConversationRow:
        """Resolve the ticket and ask the shopper for a 1-5 rating (when the channel allows).
        With `follow_up` the agent keeps ownership: if the shopper writes again, the
        conversation reopens to them instead of the bot."""
        conversation = self._conversation(conversation_id)
        question = csat.question(chips=conversation.channel != "sms")
        try:
            outgoing = Outgoing(question, self._render(conversation, question), None)
        except ReplyNotAllowed as exc:
            log.info("closing without a CSAT request: %s", exc)
            outgoing = None
        return self._act(conversation_id, agent, "close", outgoing, follow_up=follow_up)

    def reopen(self, conversation_id: str, agent: Actor) -> ConversationRow:
        """Take a closed conversation back: the agent owns it again, the bot stays paused."""
        return self._act(conversation_id, agent, "reopen")

    def window(self, conversation: ConversationRow) -> Window:
        """Whether a person may message the shopper on this channel now, and why not."""
        try:
            payloads = self._render(conversation, Reply(text="."))
        except ReplyNotAllowed as exc:
            return Window(open=False, note=str(exc))
        if payloads and all(p.is_template for p in payloads):
            return Window(open=False, note=TEMPLATE_ONLY)
        return Window(open=True)

    def _render(self, conversation: ConversationRow, reply: Reply) -> list[Payload]:
        if self.store.is_opted_out(conversation.channel, conversation.sender):
            raise ReplyNotAllowed("the shopper opted out of messages on this channel (STOP)")
        if self.courier is None:
            return []
        try:
            return self.courier.render(conversation, reply, human_agent=True)
        except WindowClosedError as exc:
            raise ReplyNotAllowed(str(exc)) from exc

    def _conversation(self, conversation_id: str) -> ConversationRow:
        conversation = self.store.get_conversation(conversation_id)
        if conversation is None:
            raise NoSuchConversation(f"no conversation {conversation_id}")
        return conversation

    def _act(
        self,
        conversation_id: str,
        agent: Actor,
        action: Action,
        outgoing: Outgoing | None = None,
        *,
        follow_up: bool = False,
    ) -> ConversationRow:
        with self.store.session() as session:
            conversation = session.get(ConversationRow, conversation_id, with_for_update=True)
            if conversation is None:
                raise NoSuchConversation(f"no conversation {conversation_id}")
            ticket = _latest_ticket(session, conversation_id)
            _authorise(conversation, ticket, agent, action)
            conversation.state = next_state(conversation.state, action)
            if ticket is not None:
                _update_ticket(session, conversation, ticket, agent, action, outgoing)
            if action in ("claim", "reply", "reopen"):
                conversation.assigned_agent = agent.username
            elif action in ("handback", "close"):
                conversation.assigned_agent = agent.username if follow_up else None
            if outgoing is not None:
                _record(session, conversation, outgoing)
            if action in EVENTS:
                data = {"ticket_id": ticket.id if ticket else None, "agent": agent.username}
                event = NewEvent(EVENTS[action], data)
                add_events(session, conversation.id, conversation.variant, [event])
            session.flush()
        if outgoing is not None and outgoing.payloads and self.courier is not None:
            self.courier.wake()
        return conversation


def _latest_ticket(session: Session, conversation_id: str) -> HandoffTicket | None:
    query = (
        select(HandoffTicket)
        .where(HandoffTicket.conversation_id == conversation_id)
        .order_by(HandoffTicket.id.desc())
        .limit(1)
        .with_for_update()
    )
    return session.scalars(query).first()


def _authorise(
    conversation: ConversationRow, ticket: HandoffTicket | None, agent: Actor, action: Action
) -> None:
    """Only the ticket's team (or an admin) acts; only the owner (or an admin) once claimed."""
    if agent.is_admin:
        return
    if ticket is not None and ticket.team != agent.team:
        raise NotYourTeam(f"this ticket belongs to the {ticket.team} team")
    owner = conversation.assigned_agent
    if owner and owner != agent.username and conversation.state == "human":
        raise ClaimedByAnother(f"{owner} has this conversation")


def _update_ticket(
    session: Session,
    conversation: ConversationRow,
    ticket: HandoffTicket,
    agent: Actor,
    action: Action,
    outgoing: Outgoing | None,
) -> None:
    now = utcnow()
    ticket.updated_at = now
    if action in ("claim", "reply", "reopen"):
        if ticket.status != "claimed" or ticket.assigned_agent != agent.username:
            ticket.status, ticket.assigned_agent, ticket.claimed_at = "claimed", agent.username, now
        ticket.closed_at = ticket.resolution = None
        return
    ticket.status, ticket.closed_at = "closed", now
    ticket.resolution = "closed" if action == "close" else "handed_back"
    if action == "close" and outgoing is not None:
        ticket.csat_requested_at = now
    queue_helpdesk_if_tracked(session, conversation, ticket)


def queue_helpdesk_if_tracked(
    session: Session, conversation: ConversationRow, ticket: HandoffTicket
) -> None:
    """Tell the helpdesk a ticket it took is resolved here (only if it was told of it)."""
    told = select(HelpdeskDelivery.id).where(HelpdeskDelivery.ticket_id == ticket.id).limit(1)
    if session.scalars(told).first() is not None:
        queue_helpdesk(
            session, ticket, ticket.resolution or "closed", ticket_document(ticket, conversation)
        )


def _record(session: Session, conversation: ConversationRow, outgoing: Outgoing) -> None:
    """The message as sent (signed by its agent) and its payloads queued after it."""
    now = utcnow()
    payload = outgoing.reply.model_dump(mode="json")
    if outgoing.author:
        payload["agent"] = outgoing.author
    message = MessageRow(
        conversation_id=conversation.id, direction="outbound", channel=conversation.channel,
        text=outgoing.reply.text, payload=payload,
        status="queued" if outgoing.payloads else "sent", created_at=now,
    )  # fmt: skip
    session.add(message)
    session.flush()
    for item in outgoing.payloads:
        session.add(
            OutboxItem(
                conversation_id=conversation.id, message_id=message.id,
                channel=conversation.channel, recipient=conversation.sender,
                payload=item.model_dump(mode="json"), status="pending", attempts=0,
                next_attempt_at=now, created_at=now, updated_at=now,
            )
        )  # fmt: skip
