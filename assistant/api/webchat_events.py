"""`GET /api/conversations/{id}/events`: the web chat's live channel while a person has the
conversation. The widget listens while the bot is paused, so an agent's reply (and the
rating question when they close) reaches the shopper without a reload. Like every call to a
web conversation, it needs the conversation's secret.

Each `message` event's id is its message id: a client that reconnects sends the last one it
saw as `Last-Event-ID` and gets every reply sent since, so none is lost in the gap. A comment
every `KEEPALIVE_S` keeps a quiet stream open through proxies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from assistant.api.auth import request_store
from assistant.api.live import KEEPALIVE_S, RETRY_MS, StreamSlotDep
from assistant.api.web_access import WebConversationDep
from assistant.desk.views import message_out
from assistant.store import Store, StoreError
from assistant.store.models import ConversationRow, MessageRow

router = APIRouter(prefix="/api", tags=["web chat"])
POLL_S = 1.0
BATCH = 50  # messages read per poll; a longer gap is caught up over the next polls


async def shopper_stream(
    store: Store,
    conversation_id: str,
    after: int | None = None,
    *,
    poll_s: float = POLL_S,
    keepalive_s: float = KEEPALIVE_S,
) -> AsyncGenerator[ServerSentEvent, None]:
    """`message` for each reply sent after message `after` (after the newest message when
    None), each with its message id as the event id; `state` when it changes; a keep-alive
    comment when nothing else was sent for `keepalive_s`. Ends when the conversation does.
    It opens with an event of no data whose id is where it starts, so a client that drops
    before any reply still resumes from there."""
    if after is None:
        newest = await run_in_threadpool(store.messages, conversation_id, limit=1)
        after = newest[-1].id if newest else 0
    yield ServerSentEvent(id=str(after), retry=RETRY_MS)  # where it starts: resume from here
    cursor, state, quiet = after, None, 0.0
    while True:
        try:
            conversation, rows = await run_in_threadpool(_read, store, conversation_id, cursor)
        except StoreError:  # the database blinked: the next poll tries again
            conversation, rows = None, None
        if rows is not None:
            if conversation is None:
                return
            sent = [row for row in rows if row.direction == "outbound" and row.text]
            for row in sent:
                shown = {"id": row.id, "role": message_out(row).role, "text": row.text}
                yield ServerSentEvent(event="message", id=str(row.id), data=shown)
            cursor = max([cursor, *(row.id for row in rows)])
            changed = conversation.state != state
            if changed:
                state = conversation.state
                yield ServerSentEvent(event="state", data={"state": state})
            quiet = 0.0 if sent or changed else quiet + poll_s
        if quiet >= keepalive_s:
            quiet = 0.0
            yield ServerSentEvent(comment="keep-alive")
        await asyncio.sleep(poll_s)


def _read(
    store: Store, conversation_id: str, cursor: int
) -> tuple[ConversationRow | None, list[MessageRow]]:
    conversation = store.get_conversation(conversation_id)
    return conversation, store.messages_after(conversation_id, cursor, limit=BATCH)


def resume_after(last_event_id: str | None) -> int | None:
    """The message id a reconnecting client saw last (its `Last-Event-ID`); None if none."""
    value = (last_event_id or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


@router.get("/conversations/{conversation_id}/events", response_class=EventSourceResponse)
async def shopper_events(
    conversation: WebConversationDep,
    request: Request,
    slot: StreamSlotDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Replies a person sends in this web conversation, live (Server-Sent Events); send
    `Last-Event-ID` on reconnecting to get the replies sent meanwhile."""
    store = request_store(request)
    async for event in shopper_stream(store, conversation.id, resume_after(last_event_id)):
        yield event
