"""The console's Server-Sent Events: poll the store for changes (cheap max-id and
updated-at queries), so updates written by any API worker reach every console."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

from starlette.concurrency import run_in_threadpool

from assistant.store import Store, StoreError

POLL_S = 1.0
KEEPALIVE_S = 15.0


def sse(event: str, data: dict[str, object]) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


async def change_stream(
    store: Store,
    disconnected: Callable[[], Awaitable[bool]],
    *,
    poll_s: float = POLL_S,
) -> AsyncIterator[str]:
    """`queue` and `message` events (data: the conversation id) until the client leaves."""
    cursor: tuple[int, datetime | None] | None = None
    quiet = 0.0
    yield "retry: 2000\n\n"
    while not await disconnected():
        try:
            changes = await run_in_threadpool(store.changes_since, cursor)
        except StoreError:  # the database blinked: the next poll tries again
            changes = None
        if changes is not None:
            cursor = changes.cursor
            for conversation_id in changes.tickets:
                yield sse("queue", {"conversation_id": conversation_id})
            for conversation_id in changes.messages:
                yield sse("message", {"conversation_id": conversation_id})
            quiet = 0.0 if changes.tickets or changes.messages else quiet + poll_s
        if quiet >= KEEPALIVE_S:
            quiet = 0.0
            yield ": keep-alive\n\n"
        await asyncio.sleep(poll_s)
