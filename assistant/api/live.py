"""What every live-update stream (the shopper's and the console's) shares: a slot held for as
long as the stream is open, so one client address cannot hold open more than
`ASSISTANT_LIMITS__STREAMS_PER_CLIENT` of them (nor the worker more than
`ASSISTANT_LIMITS__STREAMS_TOTAL`): past that, 429 before the stream starts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from assistant.api.limits import Limits

KEEPALIVE_S = 15.0  # a comment this often keeps proxies from closing a quiet stream
RETRY_MS = 2000  # what a stream asks the client to wait before it reconnects


async def stream_slot(request: Request) -> AsyncIterator[None]:
    """Hold one of the caller's stream slots until the response ends (`TooManyStreams`: 429)."""
    limits: Limits = request.app.state.limits
    with limits.streams.hold(request.client.host if request.client else "unknown"):
        yield


StreamSlotDep = Annotated[None, Depends(stream_slot)]
