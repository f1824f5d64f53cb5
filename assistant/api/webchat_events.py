"""`GET /api/conversations/{id}/events`: the web chat's live channel while a person has the
conversation. The widget listens while the bot is paused, so an agent's reply (and the
rating question when they close) reaches the shopper without a reload. Like every call to a
web conversation, it needs the conversation's secret."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from assistant.api.auth import request_store
from assistant.api.web_access import WebConversationDep
from assistant.desk.views import message_out
from assistant.store import Store, StoreError

router = APIRouter(prefix="/api", tags=["web chat"])
POLL_S = 1.0


def _event(name: str, data: dict[str, object]) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


async def shopper_stream(
    store: Store,
    conversation_id: str,
    disconnected: Callable[[], Awaitable[bool]],
    *,
    poll_s: float = POLL_S,
) -> AsyncIterator[str]:
    """`message` for each reply sent after the stream opened, then `state` when it changes."""
    rows = await run_in_threadpool(store.messages, conversation_id, limit=1)
    cursor = rows[-1].id if rows else 0
    state: str | None = None
    while not await disconnected():
        try:
            conversation = await run_in_threadpool(store.get_conversation, conversation_id)
            rows = await run_in_threadpool(store.messages, conversation_id, limit=20)
        except StoreError:  # the database blinked: the next poll tries again
            await asyncio.sleep(poll_s)
            continue
        if conversation is None:
            return
        for row in rows:
            if row.id > cursor and row.direction == "outbound" and row.text:
                shown = message_out(row)
                yield _event("message", {"id": row.id, "role": shown.role, "text": row.text})
        cursor = max([cursor, *(row.id for row in rows)])
        if conversation.state != state:
            state = conversation.state
            yield _event("state", {"state": state})
        await asyncio.sleep(poll_s)


@router.get(
    "/conversations/{conversation_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def shopper_events(conversation: WebConversationDep, request: Request) -> StreamingResponse:
    """Replies a person sends in this web conversation, live (Server-Sent Events)."""
    return StreamingResponse(
        shopper_stream(request_store(request), conversation.id, request.is_disconnected),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
