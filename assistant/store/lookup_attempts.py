"""Attempts at an order lookup, counted in the database so every worker and every new chat
shares the count (see `assistant.orders.limiter` for the limits built on them)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select, text
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

        Adding and counting are one transaction, and tries on one key take turns (SQLite's
        write lock; on PostgreSQL an advisory lock per key, taken in key order), so of several
        workers racing on a key exactly the first ones up to a limit see a count within it.
        Rows older than `since` are pruned on the way. Returns the new rows' ids and the
        counts (this attempt included), in `keys` order.
        """

        def hold(session: Session) -> tuple[list[int], list[int]]:
            if session.get_bind().dialect.name == "postgresql":
                for scope, key in sorted(set(keys)):
                    session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {
                        "lock": _lock_id(scope, key)
                    })  # fmt: skip
            session.execute(delete(OrderLookupAttempt).where(OrderLookupAttempt.created_at < since))
            rows = [{"scope": scope, "key_hash": key, "created_at": at} for scope, key in keys]
            added = session.scalars(
                insert(OrderLookupAttempt).returning(OrderLookupAttempt.id), rows
            )
            ids = list(added)
            return ids, [_count(session, scope, key, since) for scope, key in keys]

        return self._run(hold)

    def drop_attempts(self, ids: Sequence[int]) -> None:
        """Remove attempts that turned out not to count (the order was shown, or refused)."""
        if ids:
            self._run(
                lambda s: s.execute(
                    delete(OrderLookupAttempt).where(OrderLookupAttempt.id.in_(list(ids)))
                )
            )


def _lock_id(scope: str, key_hash: str) -> int:
    """A PostgreSQL advisory lock id (a signed 64-bit integer) for one key of one scope."""
    digest = hashlib.sha256(f"lookup\0{scope}\0{key_hash}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _count(session: Session, scope: str, key_hash: str, since: datetime) -> int:
    query = select(func.count()).where(
        OrderLookupAttempt.scope == scope,
        OrderLookupAttempt.key_hash == key_hash,
        OrderLookupAttempt.created_at >= since,
    )
    return session.scalar(query) or 0
