"""A turn that raises: its message is tried again later, or set aside as a dead letter.

Whatever goes wrong inside a turn (a bug, a value the database refuses), the shopper gets an
apology now, the message goes back for the recovery sweep to retry, and after
`store.max_turn_attempts` tries it is a dead letter (see `assistant.store.dead_letters`). A
busy or unreachable database is not the message's fault: that error goes on to the caller
(a 503 with Retry-After, or the next sweep) and counts no try; nor does a conversation erased
while its turn ran (a 404).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from pathlib import Path

from assistant.messages import Reply
from assistant.store import RecordNotFound, Store, StoreError, StoreUnavailable
from assistant.store.errors import ConversationBusy

log = logging.getLogger("assistant.turn_failures")
# A busy database, or a conversation erased meanwhile: nothing the message did, nothing to count.
NOT_THE_MESSAGE = (StoreUnavailable, ConversationBusy, RecordNotFound)


def guarded(
    turn: Iterator[str | Reply],
    store: Store,
    conversation_id: str,
    message_id: int,
    *,
    max_attempts: int,
    apology: Reply,
) -> Iterator[str | Reply]:
    """`turn`'s items; if it raises, the failure is recorded and `apology` comes last."""
    try:
        yield from turn
    except NOT_THE_MESSAGE:
        raise
    except Exception as exc:  # the boundary of a turn: any failure must end, not loop
        where = _where(exc)
        try:
            outcome = store.turn_failed(
                conversation_id, message_id, f"{type(exc).__name__} at {where}: {exc}",
                max_attempts=max_attempts,
            )  # fmt: skip
        except StoreError as unrecorded:  # kept `processing`: the recovery sweep retries it
            log.error("a failed turn could not be recorded: %s", type(unrecorded).__name__)
            outcome = "retry"
        # The exception's type and place only: its text may quote what the shopper wrote.
        log.warning(
            "turn failed (%s at %s): %s",
            type(exc).__name__,
            where,
            "set aside" if outcome == "dead" else "to be tried again",
            extra={"conversation_id": conversation_id, "message_id": message_id},
        )
        yield apology


def _where(exc: BaseException) -> str:
    """file:line of the innermost frame that raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno}"
