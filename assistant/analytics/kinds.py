"""The analytics events: their kinds, what each one's `data` holds, and the events of a turn.

Every event row carries the conversation's prompt variant (the store fills it in), so each
figure splits by A/B variant; the channel comes from the conversation.

| kind | written by | data |
| --- | --- | --- |
| `message_in` | a turn (with its other writes) | `message_id` |
| `message_out` | a turn | `by` ("bot"), `latency_ms`, `error` (a failed turn's apology) |
| `tool_called` | a turn, one per tool call | `tool` |
| `products_shown` | a turn whose reply shows cards | `count`, `product_ids` |
| `checkout_link_created` | a turn whose reply holds a checkout link | `token` |
| `link_clicked` | `GET /c/{token}` (with the click) | `token` |
| `handoff` | a turn the bot hands off; the desk | `reason`, `confidence`, `by` |
| `handoff_claimed`, `handed_back`, `closed` | the desk | (desk's own) |
| `csat` | the desk's satisfaction survey | `rating` (1 to 5) |
| `dead_letter` | a message set aside (`store.dead_letters`) | `message_id`, `attempts`, `channel` |

"Resolved by the bot" is not an event: the report computes it (see `assistant.analytics.report`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Final

from assistant.store.events import NewEvent
from assistant.store.models import utcnow

MESSAGE_IN: Final = "message_in"
MESSAGE_OUT: Final = "message_out"
TOOL_CALLED: Final = "tool_called"
PRODUCTS_SHOWN: Final = "products_shown"
LINK_CREATED: Final = "checkout_link_created"
LINK_CLICKED: Final = "link_clicked"
HANDOFF: Final = "handoff"
HANDOFF_CLAIMED: Final = "handoff_claimed"
HANDED_BACK: Final = "handed_back"
CLOSED: Final = "closed"
CSAT: Final = "csat"
BOT: Final = "bot"


def message_in(message_id: int, received_at: datetime) -> NewEvent:
    """A shopper message, dated when it was received (not when its turn ran)."""
    return NewEvent(MESSAGE_IN, {"message_id": message_id}, at=received_at)


def bot_answer(received_at: datetime, *, error: bool = False) -> NewEvent:
    """The bot's reply to a message received at `received_at`; dated by the transaction that
    stores it, like the reply's message row, so both tell the same response time."""
    latency_ms = max(0, round((utcnow() - received_at).total_seconds() * 1000))
    data: dict[str, object] = {"by": BOT, "latency_ms": latency_ms}
    if error:
        data["error"] = True
    return NewEvent(MESSAGE_OUT, data)


def tools_called(tools: Iterable[str]) -> list[NewEvent]:
    """One event per tool call of the turn, in order."""
    return [NewEvent(TOOL_CALLED, {"tool": tool}) for tool in tools]


def products_shown(product_ids: list[str]) -> list[NewEvent]:
    """The product cards a reply shows (no event when it shows none)."""
    if not product_ids:
        return []
    return [NewEvent(PRODUCTS_SHOWN, {"count": len(product_ids), "product_ids": product_ids})]


def link_created(token: str) -> NewEvent:
    return NewEvent(LINK_CREATED, {"token": token})


def handoff(reason: str, confidence: float) -> NewEvent:
    """The bot handing the conversation to a person."""
    return NewEvent(HANDOFF, {"reason": reason, "confidence": confidence, "by": BOT})
