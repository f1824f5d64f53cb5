"""The outbox: rendered provider payloads waiting to be sent, claimed by senders with row
locks (SKIP LOCKED on PostgreSQL, the write lock on SQLite), one at a time per conversation,
retried with backoff and dead-lettered after `Backoff.max_attempts`. A send whose outcome is
unknown (the provider may have taken it) is `uncertain`: never sent again, left for the team."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, aliased

from assistant.messages import Reply
from assistant.store.claims import claim_due
from assistant.store.conversations import ConversationOps
from assistant.store.errors import RecordNotFound
from assistant.store.models import MessageRow, OutboxItem, utcnow

BUSY = ("pending", "sending")


class OutboxOps(ConversationOps):
    """enqueue -> claim_due -> mark_sent | mark_failed | mark_uncertain; reclaim_stuck for
    crashed senders."""

    def enqueue(
        self,
        conversation_id: str,
        channel: str,
        recipient: str,
        payload: dict[str, Any],
        *,
        message_id: int | None = None,
        not_before: datetime | None = None,
    ) -> OutboxItem:
        """Queue one provider payload; it goes after the conversation's earlier items."""
        return self._run(
            lambda s: self._enqueue(
                s, conversation_id, channel, recipient, payload, message_id, not_before
            )
        )

    @staticmethod
    def _enqueue(
        session: Session,
        conversation_id: str,
        channel: str,
        recipient: str,
        payload: dict[str, Any],
        message_id: int | None,
        not_before: datetime | None,
    ) -> OutboxItem:
        now = utcnow()
        item = OutboxItem(
            conversation_id=conversation_id,
            message_id=message_id,
            channel=channel,
            recipient=recipient,
            payload=payload,
            status="pending",
            attempts=0,
            next_attempt_at=not_before or now,
            created_at=now,
            updated_at=now,
        )
        session.add(item)
        session.flush()
        return item

    def queue_reply(
        self,
        conversation_id: str,
        reply: Reply,
        *,
        channel: str,
        recipient: str,
        payloads: Sequence[dict[str, Any]],
    ) -> tuple[MessageRow, list[OutboxItem]]:
        """Keep a reply and queue its rendered payloads, in one transaction."""

        def queue(session: Session) -> tuple[MessageRow, list[OutboxItem]]:
            message = self._outbound(session, conversation_id, reply, channel, "queued", None)
            items = [
                self._enqueue(session, conversation_id, channel, recipient, p, message.id, None)
                for p in payloads
            ]
            return message, items

        return self._run(queue)

    def claim_due(self, now: datetime | None = None, limit: int = 10) -> list[OutboxItem]:
        """Mark up to `limit` due items `sending` and return them, oldest first.

        An item waits while an earlier item of its conversation is pending or sending, so a
        conversation's messages go out in order; concurrent claimers never get the same item.
        """
        now = now or utcnow()
        earlier = aliased(OutboxItem)
        blocked = exists().where(
            earlier.conversation_id == OutboxItem.conversation_id,
            earlier.id < OutboxItem.id,
            earlier.status.in_(BUSY),
        )
        due = (
            select(OutboxItem.id)
            .where(OutboxItem.status == "pending", OutboxItem.next_attempt_at <= now, ~blocked)
            .order_by(OutboxItem.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=OutboxItem)
        )

        def claim(session: Session) -> list[OutboxItem]:
            return claim_due(session, OutboxItem, due, now)

        return self._run(claim)

    def mark_sent(self, item_id: int, provider_message_id: str | None = None) -> OutboxItem:
        """The provider accepted the payload; its reply message becomes `sent`."""

        def sent(session: Session) -> OutboxItem:
            item = self._item(session, item_id)
            item.status = "sent"
            item.provider_message_id = provider_message_id
            item.last_error = None
            item.updated_at = utcnow()
            if item.message_id is not None:
                message = session.get(MessageRow, item.message_id)
                if message is not None:
                    message.status = "sent"
                    if message.provider_message_id is None:
                        message.provider_message_id = provider_message_id
            session.flush()
            return item

        return self._run(sent)

    def mark_failed(
        self,
        item_id: int,
        error: str,
        *,
        retry_after: timedelta | None = None,
        permanent: bool = False,
        now: datetime | None = None,
    ) -> OutboxItem:
        """The send failed: back to `pending` after a backoff (at least `retry_after`, e.g. a
        provider's Retry-After), or `dead` when permanent or out of attempts."""

        def failed(session: Session) -> OutboxItem:
            item = self._item(session, item_id)
            self._retry_or_bury(session, item, error, now or utcnow(), retry_after, permanent)
            session.flush()
            return item

        return self._run(failed)

    def mark_uncertain(self, item_id: int, error: str) -> OutboxItem:
        """The provider may have taken the payload but never said so (a read timeout, a lost
        connection): `uncertain`, never claimed again, so it cannot be delivered twice. It no
        longer holds the conversation's later items back; its reply message stays `queued`."""

        def uncertain(session: Session) -> OutboxItem:
            item = self._item(session, item_id)
            item.status = "uncertain"
            item.last_error = error[:2000]
            item.claimed_at = None
            item.updated_at = utcnow()
            session.flush()
            return item

        return self._run(uncertain)

    def uncertain_items(self, limit: int = 100) -> list[OutboxItem]:
        """The latest sends of unknown outcome, newest first: for the team to check with the
        shopper or the provider's console."""
        query = (
            select(OutboxItem)
            .where(OutboxItem.status == "uncertain")
            .order_by(OutboxItem.id.desc())
            .limit(limit)
        )
        return self._run(lambda s: list(s.scalars(query)), write=False)

    def reclaim_stuck(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Put back items left `sending` longer than `older_than` (their sender died);
        returns how many. Their claim counted as an attempt."""
        now = now or utcnow()
        stuck = (
            select(OutboxItem)
            .where(OutboxItem.status == "sending", OutboxItem.claimed_at < now - older_than)
            .with_for_update(skip_locked=True)
        )

        def reclaim(session: Session) -> int:
            items = list(session.scalars(stuck))
            for item in items:
                self._retry_or_bury(session, item, "sender stopped mid-send", now, None, False)
                if item.status == "pending":
                    item.next_attempt_at = now  # the wait already happened while it was stuck
            session.flush()
            return len(items)

        return self._run(reclaim)

    def outbox_item(self, item_id: int) -> OutboxItem | None:
        return self._run(lambda s: s.get(OutboxItem, item_id), write=False)

    def _retry_or_bury(
        self,
        session: Session,
        item: OutboxItem,
        error: str,
        now: datetime,
        retry_after: timedelta | None,
        permanent: bool,
    ) -> None:
        item.last_error = error[:2000]
        item.updated_at = now
        item.claimed_at = None
        if permanent or self.outbox_backoff.exhausted(item.attempts):
            item.status = "dead"
            if item.message_id is not None:
                session.execute(
                    update(MessageRow)
                    .where(MessageRow.id == item.message_id)
                    .values(status="failed", error=item.last_error)
                )
            return
        delay = self.outbox_backoff.delay(item.attempts)
        item.status = "pending"
        item.next_attempt_at = now + max(delay, retry_after or timedelta(0))

    @staticmethod
    def _item(session: Session, item_id: int) -> OutboxItem:
        item = session.get(OutboxItem, item_id, with_for_update=True)
        if item is None:
            raise RecordNotFound(f"no outbox item {item_id}")
        return item
