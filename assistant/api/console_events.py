"""The console's Server-Sent Events: poll the store for changes (cheap max-id and
updated-at queries), so updates written by any API worker reach every console; each agent
hears only of the conversations they may see."""

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
    visible: Callable[[list[str]], set[str]],
    *,
    poll_s: float = POLL_S,
) -> AsyncIterator[str]:
    """`queue` and `message` events (data: the conversation id) until the client leaves, for
    the conversations `visible` keeps of those that changed."""
    cursor: tuple[int, datetime | None] | None = None
    quiet = 0.0
    yield "retry: 2000\n\n"
    while not await disconnected():
        try:  # the database blinked (either read): the next poll tries again from the cursor
            changes = await run_in_threadpool(store.changes_since, cursor)
            shown = await _visible(visible, changes.tickets, changes.messages)
        except StoreError:
            changes = None
        if changes is not None:
            cursor = changes.cursor
            tickets = [c for c in changes.tickets if c in shown]
            messages = [c for c in changes.messages if c in shown]
            for conversation_id in tickets:
                yield sse("queue", {"conversation_id": conversation_id})
            for conversation_id in messages:
                yield sse("message", {"conversation_id": conversation_id})
            quiet = 0.0 if tickets or messages else quiet + poll_s
        if quiet >= KEEPALIVE_S:
            quiet = 0.0
            yield ": keep-alive\n\n"
        await asyncio.sleep(poll_s)


async def _visible(
    visible: Callable[[list[str]], set[str]], tickets: list[str], messages: list[str]
) -> set[str]:
    """The changed conversations the agent may hear of (the store is read only on change)."""
    changed = sorted({*tickets, *messages})
    return await run_in_threadpool(visible, changed) if changed else set()
