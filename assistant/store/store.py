"""`Store`: every operation of the conversation core on one database."""

from __future__ import annotations

from assistant.store.agents import AgentOps
from assistant.store.data_requests import DataRequestOps
from assistant.store.events import EventOps
from assistant.store.helpdesk import HelpdeskOps
from assistant.store.link_codes import LinkCodeOps
from assistant.store.links import LinkOps
from assistant.store.locks import LockOps
from assistant.store.lookup_attempts import LookupAttemptOps
from assistant.store.outbox import OutboxOps
from assistant.store.preferences import PreferenceOps
from assistant.store.tickets import TicketOps
from assistant.store.turns import TurnOps


class Store(
    OutboxOps,
    TurnOps,
    LinkCodeOps,
    PreferenceOps,
    LinkOps,
    EventOps,
    AgentOps,
    TicketOps,
    HelpdeskOps,
    DataRequestOps,
    LookupAttemptOps,
    LockOps,
):
    """The assistant's database: `Store.open(url)`, then `create_schema()` once at start.

    Each method is its own short transaction, retried on transient failures; use
    `session()` for a unit of work of your own. Rows come back detached (attributes loaded,
    no lazy relationships) and are safe to read after the call returns.
    """
