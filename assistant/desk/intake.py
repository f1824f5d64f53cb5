"""The ticket a handoff opens: routed to a team, with what the shopper wants, the products
discussed and the whole transcript, so the agent never asks the shopper to repeat themselves."""

from __future__ import annotations

from typing import Any

from assistant.config import Settings
from assistant.desk.routing import route, shopper_words
from assistant.desk.views import product_entry
from assistant.messages import Reply
from assistant.store import Store
from assistant.store.models import ConversationRow
from assistant.store.tickets import NewTicket

MAX_PRODUCTS = 10
TRANSCRIPT_LIMIT = 500


def new_ticket(
    store: Store, settings: Settings, conversation: ConversationRow, reply: Reply
) -> NewTicket:
    """The ticket for a turn that hands off (`reply.handoff` set, not yet stored)."""
    assert reply.handoff is not None
    rows = store.messages(conversation.id, limit=TRANSCRIPT_LIMIT)
    transcript: list[dict[str, Any]] = [
        {
            "role": "shopper" if row.direction == "inbound" else "assistant",
            "text": row.text,
            "at": row.created_at.isoformat(),
            **({"author": row.payload["agent"]} if (row.payload or {}).get("agent") else {}),
        }
        for row in rows
        if row.text
    ]
    transcript.append({"role": "assistant", "text": reply.text, "at": None})
    cards = [c for row in rows if row.direction == "outbound" for c in _cards(row.payload)]
    cards += [card.model_dump(mode="json") for card in reply.products]
    handoff = reply.handoff
    return NewTicket(
        team=route(handoff.reason, shopper_words(rows), settings.desk),
        reason=handoff.reason,
        confidence=handoff.confidence,
        summary=handoff.summary,
        products=_discussed(cards),
        transcript=transcript,
        notify_helpdesk=bool(settings.desk.webhook_url),
    )


def _cards(payload: dict[str, Any] | None) -> list[dict[str, Any]]:
    products = (payload or {}).get("products") or []
    return [p for p in products if isinstance(p, dict)]


def _discussed(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last `MAX_PRODUCTS` distinct products shown, most recent last."""
    latest: dict[str, dict[str, Any]] = {}
    for card in cards:
        entry = product_entry(card)
        latest.pop(entry["product_id"], None)
        latest[entry["product_id"]] = entry
    return list(latest.values())[-MAX_PRODUCTS:]
