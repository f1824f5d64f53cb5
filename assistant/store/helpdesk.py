"""The helpdesk webhook's persistent queue (survives restarts; retried with backoff) and the
receipts of inbound helpdesk replies (each id delivered once)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from assistant.store.backoff import Backoff
from assistant.store.base import StoreCore
from assistant.store.claims import claim_due
from assistant.store.desk_models import HelpdeskDelivery, HelpdeskReceipt
from assistant.store.errors import RecordNotFound
from assistant.store.models import utcnow


class HelpdeskOps(StoreCore):
    """claim_helpdesk_due -> mark_helpdesk_sent | mark_helpdesk_failed; remember_receipt."""

    def claim_helpdesk_due(
        self, limit: int = 10, now: datetime | None = None, stuck: timedelta = timedelta(minutes=5)
    ) -> list[HelpdeskDelivery]:
        """Mark up to `limit` due deliveries `sending` and return them, oldest first; a
        delivery left `sending` longer than `stuck` (its sender died) is due again."""
        now = now or utcnow()
        due = (
            select(HelpdeskDelivery.id)
            .where(
                ((HelpdeskDelivery.status == "pending") & (HelpdeskDelivery.next_attempt_at <= now))
                | (
                    (HelpdeskDelivery.status == "sending")
                    & (HelpdeskDelivery.claimed_at < now - stuck)
                )
            )
            .order_by(HelpdeskDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )

        def claim(session: Session) -> list[HelpdeskDelivery]:
            return claim_due(session, HelpdeskDelivery, due, now)

        return self._run(claim)

    def mark_helpdesk_sent(self, delivery_id: int) -> None:
        self._change_delivery(delivery_id, status="sent", last_error=None, claimed_at=None)

    def mark_helpdesk_failed(
        self, delivery_id: int, error: str, backoff: Backoff, now: datetime | None = None
    ) -> HelpdeskDelivery:
        """Back to `pending` after the backoff, or `dead` once out of attempts."""
        now = now or utcnow()

        def failed(session: Session) -> HelpdeskDelivery:
            item = session.get(HelpdeskDelivery, delivery_id, with_for_update=True)
            if item is None:
                raise RecordNotFound(f"no helpdesk delivery {delivery_id}")
            item.last_error = error[:2000]
            item.claimed_at = None
            item.updated_at = now
            if backoff.exhausted(item.attempts):
                item.status = "dead"
            else:
                item.status = "pending"
                item.next_attempt_at = now + backoff.delay(item.attempts)
            session.flush()
            return item

        return self._run(failed)

    def _change_delivery(self, delivery_id: int, **values: object) -> None:
        def change(session: Session) -> None:
            session.execute(
                update(HelpdeskDelivery)
                .where(HelpdeskDelivery.id == delivery_id)
                .values(updated_at=utcnow(), **values)
            )

        self._run(change)

    def remember_receipt(self, receipt_id: str, now: datetime | None = None) -> bool:
        """Record an inbound reply's id; False when it was seen before (a replay)."""
        values = {"id": receipt_id, "received_at": now or utcnow()}
        return bool(self._run(lambda s: self._insert_ignore(s, HelpdeskReceipt, values, ("id",))))

    def release_receipt(self, receipt_id: str) -> None:
        """Forget one id (its call failed, so the helpdesk may send it again)."""
        self._run(
            lambda s: s.execute(delete(HelpdeskReceipt).where(HelpdeskReceipt.id == receipt_id))
        )

    def forget_receipts(self, older_than: datetime) -> int:
        """Drop receipts older than the replay window (they can no longer be replayed)."""

        def forget(session: Session) -> int:
            result = session.execute(
                delete(HelpdeskReceipt).where(HelpdeskReceipt.received_at < older_than)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

        return self._run(forget)
