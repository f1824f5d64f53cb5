"""Claiming due rows of a delivery queue (the outbox, the helpdesk deliveries): the shared step
that marks them as being sent, one attempt more, so no other worker sends them too."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

Row = TypeVar("Row")


def claim_due(session: Session, model: type[Row], due: Select[Any], now: datetime) -> list[Row]:
    """Mark the rows whose ids `due` selects (locked, skipping rows another worker holds) as
    `sending` with one more attempt; return them, oldest first."""
    ids = list(session.scalars(due))
    if not ids:
        return []
    table: Any = model  # the queue models share these columns: id, status, attempts, times
    session.execute(
        update(table)
        .where(table.id.in_(ids))
        .values(status="sending", attempts=table.attempts + 1, claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    query = select(table).where(table.id.in_(ids)).order_by(table.id)
    return list(session.scalars(query.execution_options(populate_existing=True)))
