"""Data requests: export everything stored about a customer, or delete it.

Deletion removes the profile, identities, conversations (with their messages, agent memory,
outbox items, tickets and helpdesk deliveries), checkout links and their clicks, and consent
records; an opt-out (STOP) is kept as a suppression entry so the person is not messaged
again. Analytics events stay for the aggregates, anonymised: unlinked from the conversation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, delete, func, inspect, or_, select, update
from sqlalchemy.orm import Session

from assistant.store.base import StoreCore
from assistant.store.customers import OPT_OUT
from assistant.store.desk_models import HandoffTicket
from assistant.store.errors import RecordNotFound
from assistant.store.models import (
    Base,
    CheckoutLink,
    Consent,
    ConversationLock,
    ConversationRow,
    Customer,
    Event,
    HistoryEntry,
    Identity,
    LinkClick,
    MessageRow,
    OutboxItem,
)


def as_dict(row: Base) -> dict[str, Any]:
    """A row's columns as JSON-ready values."""
    values: dict[str, Any] = {}
    for column in inspect(type(row)).columns:
        value = getattr(row, column.key)
        values[column.key] = value.isoformat() if hasattr(value, "isoformat") else value
    return values


class DataRequestOps(StoreCore):
    """export_customer and delete_customer."""

    def export_customer(self, customer_id: str) -> dict[str, Any]:
        """Everything stored about the customer, as JSON-ready data."""

        def export(session: Session) -> dict[str, Any]:
            customer = _customer(session, customer_id)
            ids = _conversation_ids(session, customer_id)
            in_them = lambda model: model.conversation_id.in_(ids)  # noqa: E731
            links = list(session.scalars(select(CheckoutLink).where(in_them(CheckoutLink))))
            tokens = [link.token for link in links]
            rows: dict[str, Sequence[Base]] = {
                "identities": list(
                    session.scalars(select(Identity).where(Identity.customer_id == customer_id))
                ),
                "consents": list(
                    session.scalars(select(Consent).where(_consents(session, customer_id)))
                ),
                "conversations": list(
                    session.scalars(select(ConversationRow).where(ConversationRow.id.in_(ids)))
                ),
                "messages": _ordered(session, MessageRow, in_them(MessageRow)),
                "agent_history": _ordered(session, HistoryEntry, in_them(HistoryEntry)),
                "outbox": _ordered(session, OutboxItem, in_them(OutboxItem)),
                "tickets": _ordered(session, HandoffTicket, in_them(HandoffTicket)),
                "checkout_links": links,
                "clicks": _ordered(session, LinkClick, LinkClick.token.in_(tokens)),
                "events": _ordered(session, Event, in_them(Event)),
            }
            exported: dict[str, Any] = {"customer": as_dict(customer)}
            exported |= {name: [as_dict(r) for r in found] for name, found in rows.items()}
            return exported

        return self._run(export, write=False)

    def delete_customer(self, customer_id: str) -> dict[str, int]:
        """Delete the customer and what they said; returns how many rows of each kind went."""

        def remove(session: Session) -> dict[str, int]:
            _customer(session, customer_id)
            ids = _conversation_ids(session, customer_id)
            counts = {
                "messages": _count(session, MessageRow, MessageRow.conversation_id.in_(ids)),
                "conversations": len(ids),
            }
            session.execute(
                update(Event).where(Event.conversation_id.in_(ids)).values(conversation_id=None)
            )
            counts["checkout_links"] = _delete(
                session, CheckoutLink, CheckoutLink.conversation_id.in_(ids)
            )
            counts["consents"] = _delete(
                session, Consent, and_(_consents(session, customer_id), _not_suppression())
            )
            session.execute(
                update(Consent).where(Consent.customer_id == customer_id).values(customer_id=None)
            )
            _delete(session, ConversationLock, ConversationLock.conversation_id.in_(ids))
            _delete(session, ConversationRow, ConversationRow.id.in_(ids))
            counts["identities"] = _delete(session, Identity, Identity.customer_id == customer_id)
            counts["customers"] = _delete(session, Customer, Customer.id == customer_id)
            return counts

        return self._run(remove)


def _customer(session: Session, customer_id: str) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise RecordNotFound(f"no customer {customer_id}")
    return customer


def _conversation_ids(session: Session, customer_id: str) -> list[str]:
    query = select(ConversationRow.id).where(ConversationRow.customer_id == customer_id)
    return list(session.scalars(query))


def _consents(session: Session, customer_id: str) -> Any:
    """Consent rows of the customer: linked to them, or recorded for one of their senders."""
    pairs = session.execute(
        select(Identity.channel, Identity.external_id).where(Identity.customer_id == customer_id)
    ).all()
    by_sender = [and_(Consent.channel == c, Consent.sender == s) for c, s in pairs]
    return or_(Consent.customer_id == customer_id, *by_sender)


def _not_suppression() -> Any:
    return ~and_(Consent.kind == OPT_OUT, Consent.value.is_(True))


def _ordered(session: Session, model: type[Any], where: Any) -> list[Any]:
    return list(session.scalars(select(model).where(where).order_by(model.id)))


def _count(session: Session, model: type[Any], where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(where)) or 0)


def _delete(session: Session, model: type[Any], where: Any) -> int:
    result = session.execute(
        delete(model).where(where).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
