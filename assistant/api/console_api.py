"""The agent console's JSON API (`/console/api`): log in, the queue, a conversation, and the
actions on it (claim, reply, hand back, close, reopen), plus live updates as Server-Sent
Events. Every route but login needs an agent; an agent sees and acts only on conversations
handed off to their team (or that they own), admins on those of every team
(`assistant/desk/scope.py`); any other conversation answers 404, as if it did not exist."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from assistant.api.auth import (
    AgentDep,
    AgentOut,
    authenticate,
    end_session,
    request_store,
    start_session,
)
from assistant.api.console_events import change_stream
from assistant.api.limits import Limits
from assistant.api.live import StreamSlotDep
from assistant.desk.desk import Desk
from assistant.desk.errors import ClaimedByAnother, NoSuchConversation, NotYourTeam, ReplyNotAllowed
from assistant.desk.lifecycle import TransitionError
from assistant.desk.scope import may_see, team_seen
from assistant.desk.views import (
    ConversationView,
    MessageOut,
    TicketDetail,
    TicketOut,
    message_out,
    ticket_detail,
    ticket_out,
)
from assistant.storable import StorableStr
from assistant.store.models import ConversationRow

router = APIRouter(prefix="/console/api", tags=["agent console"])
HISTORY = 500


class LoginIn(BaseModel):
    username: StorableStr = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class AgentEnvelope(BaseModel):
    agent: AgentOut


class QueueOut(BaseModel):
    tickets: list[TicketOut]


class ConversationOut(BaseModel):
    conversation: ConversationView
    ticket: TicketDetail | None
    messages: list[MessageOut]


class ReplyIn(BaseModel):
    text: StorableStr = Field(min_length=1, max_length=4000)
    send_template: bool = False  # WhatsApp past 24 hours: send the approved template instead


class CloseIn(BaseModel):
    follow_up: bool = False  # keep ownership: a new shopper message reopens to this agent


def desk_of(request: Request) -> Desk:
    return Desk(request_store(request), getattr(request.app.state, "courier", None))


async def get_desk(request: Request) -> Desk:  # async: FastAPI runs it on the loop, no thread
    return desk_of(request)


DeskDep = Annotated[Desk, Depends(get_desk)]


@contextmanager
def http_errors() -> Iterator[None]:
    """Desk errors as HTTP statuses."""
    try:
        yield
    except NoSuchConversation as exc:
        raise HTTPException(404, detail=str(exc)) from exc
    except NotYourTeam as exc:  # not theirs to see either
        raise HTTPException(404, detail="no such conversation") from exc
    except (TransitionError, ClaimedByAnother) as exc:
        raise HTTPException(409, detail=str(exc)) from exc
    except ReplyNotAllowed as exc:
        raise HTTPException(422, detail=str(exc)) from exc


def conversation_out(desk: Desk, conversation: ConversationRow) -> ConversationOut:
    """A conversation as the console shows it: state, window, ticket, messages."""
    ticket = desk.store.latest_ticket(conversation.id)
    view = ConversationView(
        id=conversation.id, channel=conversation.channel, state=conversation.state,
        variant=conversation.variant, assigned_agent=conversation.assigned_agent,
        window=desk.window(conversation),
    )  # fmt: skip
    return ConversationOut(
        conversation=view,
        ticket=ticket_detail(ticket, conversation) if ticket else None,
        messages=[message_out(m) for m in desk.store.messages(conversation.id, limit=HISTORY)],
    )


def _visible(desk: Desk, conversation_id: str, agent: AgentOut) -> ConversationRow:
    """The conversation, if it exists and the agent may see it; 404 otherwise (the same)."""
    conversation = desk.store.get_conversation(conversation_id)
    ticket = desk.store.latest_ticket(conversation_id) if conversation else None
    if conversation is None or not may_see(agent, ticket, conversation):
        raise HTTPException(404, detail="no such conversation")
    return conversation


@router.post("/login")
def login(body: LoginIn, request: Request, response: Response) -> AgentEnvelope:
    """Check a password and set the session cookie; the same 401 for any bad credentials."""
    store = request_store(request)
    limits: Limits = request.app.state.limits
    address = request.client.host if request.client else "unknown"
    with limits.login(address, body.username):  # 429 first
        agent = authenticate(store, body.username, body.password)
        if agent is None:
            raise HTTPException(401, detail="wrong username or password")
    start_session(response, store, agent, request.app.state.settings)
    return AgentEnvelope(agent=AgentOut.of(agent))


@router.post("/logout")
def logout(agent: AgentDep, request: Request, response: Response) -> dict[str, bool]:
    """End the session behind the cookie."""
    end_session(request, response)
    return {"ok": True}


@router.get("/me")
def me(agent: AgentDep) -> AgentEnvelope:
    """The agent logged in."""
    return AgentEnvelope(agent=agent)


@router.get("/queue")
def queue(agent: AgentDep, desk: DeskDep) -> QueueOut:
    """Open and claimed tickets the agent may see (their team's, or every team's for an
    admin, theirs first), the oldest first."""
    tickets = desk.store.ticket_queue(agent.team)
    return QueueOut(tickets=[ticket_out(t, c) for t, c in tickets if may_see(agent, t, c)])


@router.get("/conversations/{conversation_id}")
def conversation(conversation_id: str, agent: AgentDep, desk: DeskDep) -> ConversationOut:
    """A conversation with its ticket (summary, products, transcript) and its messages."""
    return conversation_out(desk, _visible(desk, conversation_id, agent))


def _action(
    desk: Desk, conversation_id: str, agent: AgentOut, act: Callable[[], ConversationRow]
) -> ConversationOut:
    _visible(desk, conversation_id, agent)
    with http_errors():
        return conversation_out(desk, act())


@router.post("/conversations/{conversation_id}/claim")
def claim(conversation_id: str, agent: AgentDep, desk: DeskDep) -> ConversationOut:
    """Take the conversation (the bot stays paused)."""
    return _action(desk, conversation_id, agent, lambda: desk.claim(conversation_id, agent))


@router.post("/conversations/{conversation_id}/reply")
def reply(conversation_id: str, body: ReplyIn, agent: AgentDep, desk: DeskDep) -> ConversationOut:
    """Send the shopper a message through their channel (422 when its window forbids it)."""
    return _action(
        desk,
        conversation_id,
        agent,
        lambda: desk.reply(conversation_id, agent, body.text, send_template=body.send_template),
    )


@router.post("/conversations/{conversation_id}/handback")
def handback(conversation_id: str, agent: AgentDep, desk: DeskDep) -> ConversationOut:
    """Give the conversation back to the bot."""
    return _action(desk, conversation_id, agent, lambda: desk.hand_back(conversation_id, agent))


@router.post("/conversations/{conversation_id}/close")
def close(
    conversation_id: str, agent: AgentDep, desk: DeskDep, body: CloseIn | None = None
) -> ConversationOut:
    """Resolve the ticket; the shopper is asked for a 1-5 rating."""
    follow_up = bool(body and body.follow_up)
    return _action(
        desk,
        conversation_id,
        agent,
        lambda: desk.close(conversation_id, agent, follow_up=follow_up),
    )


@router.post("/conversations/{conversation_id}/reopen")
def reopen(conversation_id: str, agent: AgentDep, desk: DeskDep) -> ConversationOut:
    """Take a closed conversation back (the agent owns it; the bot stays paused)."""
    return _action(desk, conversation_id, agent, lambda: desk.reopen(conversation_id, agent))


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def events(agent: AgentDep, request: Request, slot: StreamSlotDep) -> StreamingResponse:
    """Live updates: `queue` when a ticket moves, `message` when a conversation gets one,
    only for conversations the agent may see. Polls the database, so it sees what any API
    worker wrote."""
    store = request_store(request)

    def visible(conversation_ids: list[str]) -> set[str]:
        return store.desk_visible(conversation_ids, team=team_seen(agent), agent=agent.username)

    return StreamingResponse(
        change_stream(store, request.is_disconnected, visible),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
