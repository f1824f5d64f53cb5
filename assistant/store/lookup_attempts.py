"""Attempts at an order lookup, counted in the database so every worker and every new chat
shares the count (see `assistant.orders.limiter` for the limits built on them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from assistant.store.base import StoreCore
from assistant.store.models import OrderLookupAttempt

AttemptKey = tuple[str, str]
"""(scope, key_hash): what an attempt counts against, e.g. ("order", <HMAC of "#W1000001">)."""


class LookupAttemptOps(StoreCore):
    """hold_attempts -> (a miss: keep them) or drop_attempts."""

    def hold_attempts(
        self, keys: Sequence[AttemptKey], *, at: datetime, since: datetime
    ) -> tuple[list[int], list[int]]:
        """Add an attempt at `at` for each key, then count each key's attempts since `since`.

        The new rows are committed before the count, so of several workers racing on one key
        the last to count sees every other's row: together they never pass a limit, though
        they may all be refused near one. Rows older than `since` are pruned on the way.
        Returns the new rows' ids and the counts (this attempt included), in `keys` order.
        """

        def add(session: Session) -> list[int]:
            session.execute(delete(OrderLookupAttempt).where(OrderLookupAttempt.created_at < since))
            rows = [{"scope": scope, "key_hash": key, "created_at": at} for scope, key in keys]
            added = session.scalars(
                insert(OrderLookupAttempt).returning(OrderLookupAttempt.id), rows
            )
            return list(added)

        def count(session: Session) -> list[int]:
            return [_count(session, scope, key, since) for scope, key in keys]

        ids = self._run(add)
        return ids, self._run(count, write=False)

    def drop_attempts(self, ids: Sequence[int]) -> None:
        """Remove attempts that turned out not to count (the order was shown, or refused)."""
        if ids:
            self._run(
                lambda s: s.execute(
                    delete(OrderLookupAttempt).where(OrderLookupAttempt.id.in_(list(ids)))
                )
            )


def _count(session: Session, scope: str, key_hash: str, since: datetime) -> int:
    query = select(func.count()).where(
        OrderLookupAttempt.scope == scope,
        OrderLookupAttempt.key_hash == key_hash,
        OrderLookupAttempt.created_at >= since,
    )
    return session.scalar(query) or 0
