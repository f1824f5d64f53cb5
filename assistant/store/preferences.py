"""A customer's declared preferences and the consent to keep them (`remember_preferences`
rows in the consent table; the latest decision of any of the customer's identities holds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from assistant.store.base import core
from assistant.store.customers import CustomerOps
from assistant.store.direct import Direct
from assistant.store.errors import RecordNotFound
from assistant.store.models import Consent, Customer, LinkCode, utcnow

REMEMBER = "remember_preferences"


@dataclass(frozen=True)
class Remembered:
    """A customer's saved preferences and the latest consent decision (None: never asked),
    read when a turn begins; `linked` says whether the conversation was linked to another."""

    preferences: dict[str, Any] = field(default_factory=dict)
    consent: bool | None = None
    linked: bool = False


def read_preferences(session: Session, customer_id: str) -> tuple[dict[str, Any], bool | None]:
    """The stored preferences and the latest consent decision, in `session`."""
    customer = session.get(Customer, customer_id)
    consent = session.scalars(
        select(Consent.value)
        .where(Consent.customer_id == customer_id, Consent.kind == REMEMBER)
        .order_by(Consent.id.desc())
        .limit(1)
    ).first()
    return (dict(customer.preferences) if customer else {}), consent


def read_remembered(unit: Session | Direct, customer_id: str, conversation_id: str) -> Remembered:
    """What a turn remembers of its customer, and whether its conversation was linked to
    another, in one statement (a turn begins with it)."""
    ids = {"customer_id": customer_id, "conversation_id": conversation_id}
    row = core(unit).execute(REMEMBERED, ids).first()
    if row is None:
        return Remembered(linked=bool(core(unit).execute(ONLY_LINKED, ids).scalar()))
    preferences, decision, is_linked = row
    return Remembered(dict(preferences or {}), decision, bool(is_linked))


_CONSENT = (
    select(Consent.value)
    .where(Consent.customer_id == bindparam("customer_id"), Consent.kind == REMEMBER)
    .order_by(Consent.id.desc())
    .limit(1)
    .scalar_subquery()
)
LINKED = exists().where(
    LinkCode.conversation_id == bindparam("conversation_id"),
    LinkCode.verified_at.is_not(None),
    LinkCode.source_conversation_id.is_not(None),
)
REMEMBERED = select(Customer.preferences, _CONSENT, LINKED).where(
    Customer.id == bindparam("customer_id")
)  # built once: building a statement costs more than running this one
ONLY_LINKED = select(LINKED)


class PreferenceOps(CustomerOps):
    """Read, remember (with consent), decline and forget a customer's preferences."""

    def preferences_of(self, customer_id: str) -> tuple[dict[str, Any], bool | None]:
        """The stored preferences and the latest consent decision (None: never asked)."""
        return self._run(lambda s: read_preferences(s, customer_id), write=False)

    def remember_preferences(
        self, customer_id: str, channel: str, sender: str, values: dict[str, Any]
    ) -> dict[str, Any]:
        """Record consent and merge `values` into the preferences; returns them."""

        def remember(session: Session) -> dict[str, Any]:
            customer = self._customer(session, customer_id)
            self._decide(session, customer_id, channel, sender, True)
            customer.preferences = {**customer.preferences, **values}
            session.flush()
            return dict(customer.preferences)

        return self._run(remember)

    def decline_preferences(self, customer_id: str, channel: str, sender: str) -> None:
        """The shopper said no: keep nothing and do not ask again."""
        self._run(lambda s: self._decide(s, customer_id, channel, sender, False))

    def forget_preferences(self, customer_id: str, channel: str, sender: str) -> None:
        """Clear every preference and record that none may be kept."""

        def forget(session: Session) -> None:
            customer = self._customer(session, customer_id)
            customer.preferences = {}
            self._decide(session, customer_id, channel, sender, False)
            session.flush()

        self._run(forget)

    @staticmethod
    def _customer(session: Session, customer_id: str) -> Customer:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise RecordNotFound(f"no customer {customer_id}")
        return customer

    @staticmethod
    def _decide(session: Session, customer_id: str, channel: str, sender: str, value: bool) -> None:
        session.add(
            Consent(
                customer_id=customer_id, channel=channel, sender=sender, kind=REMEMBER,
                value=value, created_at=utcnow(),
            )
        )  # fmt: skip
