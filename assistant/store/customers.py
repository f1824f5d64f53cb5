"""Customers and their identities across channels, and consent (opt-outs)."""

from __future__ import annotations

import re
import uuid
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from assistant.store.base import StoreCore, core
from assistant.store.direct import Direct
from assistant.store.errors import RecordNotFound
from assistant.store.models import Consent, ConversationRow, Customer, Identity, utcnow

OPT_OUT = "opt_out"
_CUSTOMERS = cast(Table, Customer.__table__)
_IDENTITIES = cast(Table, Identity.__table__)
_CUSTOMER_OF = select(_IDENTITIES.c.customer_id).where(
    _IDENTITIES.c.channel == bindparam("channel"), _IDENTITIES.c.external_id == bindparam("sender")
)
_ADD_CUSTOMER = insert(_CUSTOMERS)
_DROP_CUSTOMER = delete(_CUSTOMERS).where(_CUSTOMERS.c.id == bindparam("customer_id"))
_UNSET: Any = object()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_phone(phone: str) -> str:
    """Digits with an optional leading +: '+44 (0)20-7946 0958' -> '+4402079460958'."""
    phone = phone.strip()
    digits = re.sub(r"\D", "", phone)
    return f"+{digits}" if phone.startswith("+") else digits


class CustomerOps(StoreCore):
    """One customer across channels: identities map (channel, sender) to a customer."""

    def identify(self, channel: str, sender: str) -> Customer:
        """The customer behind `sender` on `channel`, created on first sight."""

        def identify(session: Session) -> Customer:
            customer = session.get(Customer, self._identify(session, channel, sender))
            assert customer is not None
            return customer

        return self._run(identify)

    def _identify(self, unit: Session | Direct, channel: str, sender: str) -> str:
        """The id of the customer behind `sender` on `channel`, created on first sight (Core
        statements: a new conversation of a new shopper runs this)."""
        ids = {"channel": channel, "sender": sender}
        found = core(unit).execute(_CUSTOMER_OF, ids).scalar()
        if found is not None:
            return str(found)
        now = utcnow()
        new: dict[str, Any] = {"id": uuid.uuid4().hex, "display_name": None, "email": None,
                               "phone": None, "preferences": {}, "consent": {},
                               "created_at": now, "updated_at": now}  # fmt: skip
        core(unit).execute(_ADD_CUSTOMER, new)
        values = {"channel": channel, "external_id": sender, "customer_id": new["id"],
                  "created_at": now}  # fmt: skip
        if self._insert_ignore(unit, Identity, values, ("channel", "external_id")):
            return str(new["id"])
        # Another request identified the same sender first: its customer is the one.
        core(unit).execute(_DROP_CUSTOMER, {"customer_id": new["id"]})
        return str(core(unit).execute(_CUSTOMER_OF, ids).scalar())

    @staticmethod
    def _customer_of(session: Session, channel: str, sender: str) -> Customer | None:
        query = (
            select(Customer)
            .join(Identity, Identity.customer_id == Customer.id)
            .where(Identity.channel == channel, Identity.external_id == sender)
        )
        return session.scalars(query).first()

    def link_identity(self, customer_id: str, channel: str, sender: str) -> Identity:
        """Make (channel, sender) belong to `customer_id`, moving it (and its conversations)
        from another customer if it was known there."""

        def link(session: Session) -> Identity:
            if session.get(Customer, customer_id) is None:
                raise RecordNotFound(f"no customer {customer_id}")
            identity = session.scalars(
                select(Identity).where(Identity.channel == channel, Identity.external_id == sender)
            ).first()
            if identity is None:
                identity = Identity(channel=channel, external_id=sender, customer_id=customer_id)
                session.add(identity)
            identity.customer_id = customer_id
            session.execute(
                update(ConversationRow)
                .where(ConversationRow.channel == channel, ConversationRow.sender == sender)
                .values(customer_id=customer_id)
            )
            session.flush()
            return identity

        return self._run(link)

    def identities(self, customer_id: str) -> list[Identity]:
        """Every (channel, sender) known for the customer, oldest first."""
        query = select(Identity).where(Identity.customer_id == customer_id).order_by(Identity.id)
        return self._run(lambda s: list(s.scalars(query)), write=False)

    def get_customer(self, customer_id: str) -> Customer | None:
        return self._run(lambda s: s.get(Customer, customer_id), write=False)

    def find_customer_by_email(self, email: str) -> Customer | None:
        query = select(Customer).where(Customer.email == normalise_email(email))
        return self._run(lambda s: s.scalars(query).first(), write=False)

    def find_customer_by_phone(self, phone: str) -> Customer | None:
        query = select(Customer).where(Customer.phone == normalise_phone(phone))
        return self._run(lambda s: s.scalars(query).first(), write=False)

    def update_customer(
        self,
        customer_id: str,
        *,
        display_name: str | None = _UNSET,
        email: str | None = _UNSET,
        phone: str | None = _UNSET,
        preferences: dict[str, Any] | None = None,
        consent: dict[str, bool] | None = None,
    ) -> Customer:
        """Set the given fields; `preferences` and `consent` are merged into what is there.
        An email or phone already used by another customer raises `StoreConflict`."""

        def change(session: Session) -> Customer:
            customer = session.get(Customer, customer_id)
            if customer is None:
                raise RecordNotFound(f"no customer {customer_id}")
            if display_name is not _UNSET:
                customer.display_name = display_name
            if email is not _UNSET:
                customer.email = normalise_email(email) if email else None
            if phone is not _UNSET:
                customer.phone = normalise_phone(phone) if phone else None
            if preferences:
                customer.preferences = {**customer.preferences, **preferences}
            if consent:
                customer.consent = {**customer.consent, **consent}
            session.flush()
            return customer

        return self._run(change)

    def record_consent(self, channel: str, sender: str, kind: str, value: bool) -> Consent:
        """Append a consent decision (the latest one per channel, sender and kind holds)."""

        def record(session: Session) -> Consent:
            customer = self._customer_of(session, channel, sender)
            row = Consent(
                customer_id=customer.id if customer else None,
                channel=channel,
                sender=sender,
                kind=kind,
                value=value,
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            return row

        return self._run(record)

    def consent_value(self, channel: str, sender: str, kind: str) -> bool | None:
        """The latest decision of that kind, or None if there was none."""
        query = (
            select(Consent.value)
            .where(Consent.channel == channel, Consent.sender == sender, Consent.kind == kind)
            .order_by(Consent.id.desc())
            .limit(1)
        )
        return self._run(lambda s: s.scalars(query).first(), write=False)

    def set_opt_out(self, channel: str, sender: str, opted_out: bool) -> None:
        """Record STOP (True) or START (False) from a sender; the outbox must honour it."""
        self.record_consent(channel, sender, OPT_OUT, opted_out)

    def is_opted_out(self, channel: str, sender: str) -> bool:
        return bool(self.consent_value(channel, sender, OPT_OUT))
