"""Dead letters: inbound messages whose turn kept failing, set aside instead of retried forever.

A turn that raises puts its message back (`received`) for the recovery sweep to try again;
after `max_attempts` turns begun and never finished, the message is `dead`: kept, with its
error, an ERROR log line (ids only, nothing the shopper wrote) and a `dead_letter` event the
desk and the analytics see. A dead message is never begun again.
"""

from __future__ import annotations

import logging
from typing import Any, Literal, cast

from sqlalchemy import Table, bindparam, select, update

from assistant.storable import storable
from assistant.store.base import StoreCore
from assistant.store.conversations import load_conversation
from assistant.store.direct import Direct
from assistant.store.errors import RecordNotFound
from assistant.store.events import NewEvent, add_events
from assistant.store.models import ConversationRow, MessageRow, utcnow

DEAD_LETTER = "dead_letter"  # the event's kind
MAX_ERROR = 500
log = logging.getLogger("assistant.dead_letters")
_MESSAGES = cast(Table, MessageRow.__table__)
_ATTEMPTS_OF = select(_MESSAGES.c.status, _MESSAGES.c.attempts).where(
    _MESSAGES.c.id == bindparam("message_id")
)
_SET = (
    update(_MESSAGES)
    .where(_MESSAGES.c.id == bindparam("message_id"))
    .values(status=bindparam("new_status"), error=bindparam("new_error"),
            processed_at=bindparam("done_at"))
)  # fmt: skip

Outcome = Literal["retry", "dead", "answered"]


class DeadLetterOps(StoreCore):
    """What happens to a message whose turn failed."""

    def turn_failed(
        self, conversation_id: str, message_id: int, error: str, *, max_attempts: int
    ) -> Outcome:
        """Record that the message's turn raised `error`: back to `received` for another try
        ("retry"), or `dead` once it was begun `max_attempts` times ("dead"); "answered" when
        the message was finished meanwhile (nothing is written)."""

        def fail(unit: Direct) -> Outcome:
            found = unit.execute(_ATTEMPTS_OF, {"message_id": message_id}).first()
            if found is None:
                raise RecordNotFound(f"no message {message_id}")
            status, attempts = found
            if status != "processing":
                return "answered"
            if attempts < max_attempts:
                values = {"new_status": "received", "new_error": _short(error), "done_at": None}
                unit.execute(_SET, {"message_id": message_id, **values})
                return "retry"
            conversation = load_conversation(unit, conversation_id)
            if conversation is None:
                raise RecordNotFound(f"no conversation {conversation_id}")
            bury(unit, conversation, message_id, attempts, error)
            return "dead"

        return self._run_direct(fail)

    def dead_letters(self, *, limit: int = 100) -> list[MessageRow]:
        """The dead inbound messages, newest first."""
        query = (
            select(MessageRow)
            .where(MessageRow.direction == "inbound", MessageRow.status == "dead")
            .order_by(MessageRow.id.desc())
            .limit(limit)
        )
        return self._run(lambda s: list(s.scalars(query)), write=False)


def bury(
    unit: Direct, conversation: ConversationRow, message_id: int, attempts: int, error: str
) -> None:
    """Set the message `dead` in the open transaction, with its `dead_letter` event, and say
    so at ERROR (ids and counts only: the error may quote what the shopper wrote)."""
    values: dict[str, Any] = {"new_status": "dead", "new_error": _short(error)}
    unit.execute(_SET, {"message_id": message_id, **values, "done_at": utcnow()})
    data = {"message_id": message_id, "attempts": attempts, "channel": conversation.channel}
    add_events(unit, conversation.id, conversation.variant, [NewEvent(DEAD_LETTER, data)])
    log.error(
        "message set aside as a dead letter after %d tries",
        attempts,
        extra={"conversation_id": conversation.id, "message_id": message_id},
    )


def _short(error: str) -> str:
    return storable(error)[:MAX_ERROR]
