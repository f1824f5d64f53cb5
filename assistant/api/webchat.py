"""The web chat API: start a conversation, send messages (JSON or streamed), read the history.
Every call to a conversation needs its secret (`WebConversationDep`, see `web_access`)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response, StreamingResponse

from assistant.api.limits import Limits
from assistant.api.schemas import (
    ConversationOut,
    HistoryItem,
    HistoryOut,
    MessageIn,
    NewConversation,
    ReplyOut,
    VisitorOut,
)
from assistant.api.turn_slots import TurnSlots
from assistant.api.web_access import WebConversationDep, new_secret
from assistant.api.web_senders import WebConversation, WebSenders
from assistant.conversation import WAITING, Concierge
from assistant.identity import ANONYMOUS_VISITOR
from assistant.links import secret_key
from assistant.messages import InboundMessage, Reply
from assistant.store import RecordNotFound
from assistant.store.models import ConversationRow
from assistant.visitors import VisitorPasses


async def limit_client(request: Request) -> None:
    """Per client address: every web chat request spends a token (429 when none is left).

    This and the other dependencies here are async because they never wait: FastAPI runs a
    plain `def` dependency on a worker thread, a thread hop per dependency per request."""
    limits: Limits = request.app.state.limits
    limits.client(request.client.host if request.client else "unknown")


async def client_address(request: Request) -> str | None:
    """The client's address as `limit_client` sees it: order lookups are limited by it."""
    return request.client.host if request.client else None


AddressDep = Annotated[str | None, Depends(client_address)]
router = APIRouter(prefix="/api", tags=["web chat"], dependencies=[Depends(limit_client)])
TOO_MANY: dict[int | str, dict[str, Any]] = {429: {"description": "rate limited; see Retry-After"}}


async def get_concierge(request: Request) -> Concierge:
    concierge: Concierge = request.app.state.concierge
    return concierge


ConciergeDep = Annotated[Concierge, Depends(get_concierge)]


def _conversation(concierge: Concierge, conversation_id: str) -> ConversationRow:
    conversation = concierge.get(conversation_id)
    if conversation is None or conversation.channel != "web":
        raise HTTPException(404, detail="no such conversation")
    return conversation


async def get_web_senders(request: Request) -> WebSenders:
    senders: WebSenders = request.app.state.web_senders
    return senders


WebSendersDep = Annotated[WebSenders, Depends(get_web_senders)]


def _inbound(
    conversation_id: str,
    sender: str,
    body: MessageIn,
    concierge: Concierge,
    limits: Limits,
    address: str | None,
) -> InboundMessage:
    if not body.text.strip() and not body.quick_reply:
        raise HTTPException(422, detail="a message needs text or a quick_reply")
    longest = concierge.settings.limits.max_message_chars
    if len(body.text) > longest:
        raise HTTPException(422, detail=f"text: at most {longest} characters")
    limits.sender(f"web:{conversation_id}")  # refused before it is stored: the widget retries
    resend_key = f"{conversation_id}:{body.client_message_id}" if body.client_message_id else None
    return InboundMessage(
        channel="web",
        sender=sender,
        text=body.text,
        quick_reply=body.quick_reply,
        conversation_id=conversation_id,
        provider_message_id=resend_key,  # de-duplicated like a provider's message id
        client_address=address,  # never stored: only for limits across conversations
        originals=body.originals,  # what the shopper sent, where storing it changed it
    )


def _turn(concierge: Concierge, message: InboundMessage) -> Iterator[str | Reply]:
    """The turn of a new message; for a resent one, the answer the first one got."""
    return concierge.stream(message, existing=True, resent=lambda m: _first_answer(concierge, m))


def _first_answer(concierge: Concierge, message: InboundMessage) -> Reply:
    conversation_id = message.conversation_id or ""
    with concierge.store.conversation_lock(conversation_id):  # the first turn has finished
        rows = concierge.store.messages(conversation_id, limit=200)
    asked = [n for n, r in enumerate(rows) if r.provider_message_id == message.provider_message_id]
    after = rows[asked[0] + 1 :] if asked else []
    if after and after[0].direction == "outbound":
        return Reply.model_validate(after[0].payload)
    return Reply(text="")  # no answer was given (a person has the conversation)


async def get_limits(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


LimitsDep = Annotated[Limits, Depends(get_limits)]


def get_visitor_passes(concierge: ConciergeDep) -> VisitorPasses:
    return VisitorPasses(secret_key(concierge.settings))


VisitorPassesDep = Annotated[VisitorPasses, Depends(get_visitor_passes)]


@router.post("/visitors", status_code=201, responses=TOO_MANY)
def new_visitor(passes: VisitorPassesDep) -> VisitorOut:
    """A signed pass for a new visitor: pass it as `visitor` to keep a shopper's chats together."""
    return VisitorOut(visitor=passes.issue())


@router.post("/conversations", status_code=201, responses=TOO_MANY)
def start_conversation(
    concierge: ConciergeDep,
    limits: LimitsDep,
    senders: WebSendersDep,
    passes: VisitorPassesDep,
    body: NewConversation | None = None,
) -> ConversationOut:
    """Open a conversation; the greeting comes back with its quick replies, and the secret
    every later call to it must send."""
    # Without a genuine visitor pass each conversation is its own shopper until it links a phone.
    visitor = passes.verify(body.visitor if body else None)
    if visitor is not None:
        limits.sender(f"web-visitor:{visitor}")
    visitor = visitor or f"{ANONYMOUS_VISITOR}{secrets.token_hex(8)}"
    secret, secret_hash = new_secret()
    conversation_id, greeting = concierge.start("web", visitor, secret_hash=secret_hash)
    senders.remember(conversation_id, visitor, secret_hash)
    return ConversationOut(
        conversation_id=conversation_id,
        secret=secret,
        greeting=ReplyOut.of(greeting, waiting=False),
    )


async def get_turn_slots(request: Request) -> TurnSlots:
    slots: TurnSlots = request.app.state.turn_slots
    return slots


TurnSlotsDep = Annotated[TurnSlots, Depends(get_turn_slots)]


@router.post(
    "/conversations/{conversation_id}/messages", response_model=ReplyOut, responses=TOO_MANY
)
async def send_message(
    conversation: WebConversationDep,
    body: MessageIn,
    concierge: ConciergeDep,
    limits: LimitsDep,
    slots: TurnSlotsDep,
    senders: WebSendersDep,
    address: AddressDep,
) -> Response:
    """Send a message and get the whole reply."""
    reply = await slots.run(_send, conversation, body, concierge, limits, senders, address)
    # Written as it was built: the reply was validated into `ReplyOut` once, in `_send`.
    return Response(reply.model_dump_json(), media_type="application/json")


def _send(
    conversation: WebConversation,
    body: MessageIn,
    concierge: Concierge,
    limits: Limits,
    senders: WebSenders,
    address: str | None,
) -> ReplyOut:
    conversation_id = conversation.id
    reply = Reply(text="")
    message = _inbound(conversation_id, conversation.sender, body, concierge, limits, address)
    try:
        for item in _turn(concierge, message):
            if isinstance(item, Reply):
                reply = item
    except RecordNotFound:  # erased since its sender was remembered: 404, now and next time
        senders.forget(conversation_id)
        raise
    return ReplyOut.of(reply, waiting=_waiting(concierge, conversation_id, reply))


@router.post(
    "/conversations/{conversation_id}/messages/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **TOO_MANY},
)
async def stream_message(
    conversation: WebConversationDep,
    body: MessageIn,
    concierge: ConciergeDep,
    limits: LimitsDep,
    slots: TurnSlotsDep,
    senders: WebSendersDep,
    address: AddressDep,
) -> StreamingResponse:
    """Send a message; the reply streams as Server-Sent Events: `token` events, then `reply`."""
    message = _inbound(
        conversation.id, conversation.sender, body, concierge, limits, address
    )  # 422, 429 before the stream
    events = _events(concierge, conversation.id, message, senders)
    return StreamingResponse(slots.stream(events), media_type="text/event-stream")


def _events(
    concierge: Concierge, conversation_id: str, message: InboundMessage, senders: WebSenders
) -> Iterator[str]:
    try:
        for item in _turn(concierge, message):
            if isinstance(item, Reply):
                waiting = _waiting(concierge, conversation_id, item)
                yield _sse("reply", ReplyOut.of(item, waiting=waiting).model_dump_json())
            else:
                yield _sse("token", json.dumps({"text": item}))
    except RecordNotFound:  # erased since its sender was remembered; the next message gets 404
        senders.forget(conversation_id)
        yield _sse("error", json.dumps({"error": "not_found", "detail": "no such conversation"}))


def _waiting(concierge: Concierge, conversation_id: str, reply: Reply) -> bool:
    """Whether a person has the conversation (or it waits for one) after this reply."""
    if reply.handoff is not None:
        return True
    if reply.text:  # the bot answered: no person had the conversation
        return False
    current = concierge.get(conversation_id)
    return current is not None and current.state in WAITING


def _sse(event: str, data: str) -> str:
    return f"event: {event}\ndata: {data}\n\n"


@router.get("/conversations/{conversation_id}/messages")
def history(web: WebConversationDep, concierge: ConciergeDep) -> HistoryOut:
    """Everything said so far, cards and links included, for a widget that reconnects; after
    a phone chat was linked, its messages up to the link come first (with their channel)."""
    conversation = _conversation(concierge, web.id)
    rows = concierge.store.linked_messages(conversation.id, limit=500)
    items = [HistoryItem.of(row) for row in rows if row.text or row.payload.get("products")]
    return HistoryOut(conversation_id=conversation.id, state=conversation.state, messages=items)
