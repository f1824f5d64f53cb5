"""A ticket's confidence may be "not measured": migration 0008 lets the column be NULL (keeping
the tickets before it), and the store and the console's view carry None through."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from assistant.desk.views import ticket_out
from assistant.store import Store
from assistant.store.schema import alembic_config, current_revision, upgrade
from assistant.store.tickets import NewTicket, add_ticket

NOW = "2026-12-09 10:00:00"
CONVERSATION = (
    "INSERT INTO conversations (id, channel, sender, variant, state, consecutive_fallbacks, "
    "created_at, updated_at) VALUES ('c-1', 'web', 's-1', 'default', 'pending_human', 0, "
    ":now, :now)"
)
TICKET = (
    "INSERT INTO handoff_tickets (conversation_id, status, team, reason, confidence, summary, "
    "products, transcript, created_at, updated_at) VALUES ('c-1', 'open', 'sales', :reason, "
    ":confidence, '', '[]', '[]', :now, :now)"
)


def _ticket(connection: object, reason: str, confidence: float | None) -> None:
    connection.execute(  # type: ignore[attr-defined]
        text(TICKET), {"reason": reason, "confidence": confidence, "now": NOW}
    )


def _confidences(engine: object) -> dict[str, float | None]:
    with engine.connect() as connection:  # type: ignore[attr-defined]
        rows = connection.execute(text("SELECT reason, confidence FROM handoff_tickets"))
        return {reason: confidence for reason, confidence in rows}


def test_migration_0008_lets_confidence_be_null_and_keeps_earlier_tickets(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'assistant.db'}")
    upgrade(engine, "0007")
    with engine.begin() as connection:
        connection.execute(text(CONVERSATION), {"now": NOW})
        _ticket(connection, "before", 0.4)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        _ticket(connection, "refused", None)
    upgrade(engine)
    assert current_revision(engine) == "0008"
    with engine.begin() as connection:
        _ticket(connection, "not measured", None)
    assert _confidences(engine) == {"before": 0.4, "not measured": None}
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection=connection), "0007")
    assert _confidences(engine) == {"before": 0.4, "not measured": 0.0}
    engine.dispose()


def test_a_ticket_not_measured_reads_back_as_none(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'assistant.db'}")
    store.create_schema()
    conversation, _ = store.open_conversation("c-2", "web", "s-2", "default")
    with store.session() as session:
        add_ticket(session, conversation, NewTicket(team="sales", reason="asked", confidence=None))
    ticket = store.latest_ticket("c-2")
    assert ticket is not None and ticket.confidence is None
    view = ticket_out(ticket, conversation)
    assert view.confidence is None and '"confidence":null' in view.model_dump_json()
    store.close()
