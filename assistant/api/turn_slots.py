"""How many turns one worker process runs at once.

Turns run on threads. On the offline engine they are CPU-bound, so running dozens at once in
one process only makes every one of them slower (the threads take turns at the interpreter
lock and at the database's write lock) and the whole queue later: measured on 2 cores, 100
shoppers at once got about 65 turns/s where 4 got about 100. A turn request waits here, on the
event loop where waiting costs nothing, until one of `size` slots is free, in arrival order.
Waiting for a slot never holds a conversation's lock, so a turn that holds one always runs.

Web chat turns take slots. Channel webhook turns do not: a provider may deliver a shopper's
messages all at once, and a turn that waits for the turn of an earlier message (they run in
arrival order) would hold a slot that the earlier one, queued behind it, needs: the two would
stand still until the ordering gives up. A web chat sends a shopper's messages one at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Iterator
from typing import ParamSpec, TypeVar

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

P = ParamSpec("P")
T = TypeVar("T")


class TurnSlots:
    """`size` turns at once; made at start, inside the event loop that serves requests."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._slots = asyncio.Semaphore(size)

    async def run(self, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`work` on a worker thread once a slot is free."""
        async with self._slots:
            return await run_in_threadpool(work, *args, **kwargs)

    async def stream(self, items: Iterator[T]) -> AsyncGenerator[T, None]:
        """Iterate `items` on worker threads, holding a slot from the first item to the last
        (a stream that is never read never takes one)."""
        async with self._slots:
            async for item in iterate_in_threadpool(items):
                yield item
