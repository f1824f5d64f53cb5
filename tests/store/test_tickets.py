"""Handoff tickets in the store, on both backends: opened with the turn that hands off (or
not at all), the console's queue order, and the change feed behind the live updates."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from assistant.messages import InboundMessage, Reply
from assistant.store import Store, StoreError
from assistant.store.desk_models import HelpdeskDelivery
from assistant.store.tickets import NewTicket

TICKET = NewTicket(
    team="sales", reason="low confidence", confidence=0.2, summary="engraving?",
    products=[{"product_id": "p-1", "title": "Bottle"}],
    transcript=[{"role": "shopper", "text": "engraving?", "at": None}], notify_helpdesk=True,
)  # fmt: skip


def _turn(store: Store, key: str, ticket: NewTicket | None = TICKET) -> str:
    conversation = store.get_or_create_conversation(key, "web", key, "default")
    row, _ = store.record_inbound(
        conversation.id, InboundMessage(channel="web", sender=key, text="engraving?")
    )
    store.finish_turn(
        conversation.id, row.id, history=[HumanMessage("engraving?")],
        reply=Reply(text="A person will reply."), channel="web", state="pending_human",
        ticket=ticket,
    )  # fmt: skip
    return conversation.id


def test_a_handoff_turn_opens_its_ticket_and_helpdesk_delivery(store: Store) -> None:
    conversation_id = _turn(store, "c-1")
    ticket = store.latest_ticket(conversation_id)
    assert ticket is not None
    assert (ticket.status, ticket.team, ticket.reason) == ("open", "sales", "low confidence")
    assert ticket.products == TICKET.products and ticket.transcript == TICKET.transcript
    assert ticket.created_at.tzinfo is not None
    [delivery] = store.helpdesk_deliveries([ticket.id])
    assert delivery.event == "handoff" and delivery.body["ticket"]["ticket_id"] == ticket.id
    assert delivery.body["ticket"]["channel"] == "web"


def test_the_ticket_and_the_state_change_are_one_transaction(store: Store) -> None:
    conversation = store.get_or_create_conversation("c-2", "web", "c-2", "default")
    row, _ = store.record_inbound(
        conversation.id, InboundMessage(channel="web", sender="c-2", text="hi")
    )
    broken = NewTicket(team=None, reason="low confidence", confidence=0.1)  # type: ignore[arg-type]
    with pytest.raises(StoreError):
        store.finish_turn(
            conversation.id, row.id, history=[], reply=Reply(text="..."), channel="web",
            state="pending_human", ticket=broken,
        )  # fmt: skip
    after = store.get_conversation(conversation.id)
    assert after is not None and after.state == "bot"  # nothing was written
    assert store.latest_ticket(conversation.id) is None


def test_the_queue_puts_a_team_first_then_the_oldest(store: Store) -> None:
    first = _turn(store, "q-1", NewTicket(team="orders", reason="r", confidence=0.1))
    second = _turn(store, "q-2", NewTicket(team="sales", reason="r", confidence=0.1))
    third = _turn(store, "q-3", NewTicket(team="orders", reason="r", confidence=0.1))
    assert [c.id for _, c in store.ticket_queue("sales")] == [second, first, third]
    assert [c.id for _, c in store.ticket_queue("orders")] == [first, third, second]
    assert [c.id for _, c in store.ticket_queue(None)] == [first, second, third]


def test_the_change_feed_reports_new_messages_and_moved_tickets(store: Store) -> None:
    start = store.changes_since(None)
    assert (start.messages, start.tickets) == ([], [])
    conversation_id = _turn(store, "f-1")
    changed = store.changes_since(start.cursor)
    assert changed.messages == [conversation_id] and changed.tickets == [conversation_id]
    quiet = store.changes_since(changed.cursor)
    assert (quiet.messages, quiet.tickets) == ([], [])


def test_a_helpdesk_delivery_is_retried_with_backoff_then_dies(store: Store) -> None:
    from datetime import timedelta

    from assistant.store import Backoff
    from assistant.store.models import utcnow

    _turn(store, "h-1")
    backoff = Backoff(base_s=10, cap_s=60, max_attempts=2)
    [item] = store.claim_helpdesk_due()
    assert store.claim_helpdesk_due() == []  # claimed once
    now = utcnow()
    again = store.mark_helpdesk_failed(item.id, "helpdesk answered 503", backoff, now=now)
    assert again.status == "pending" and again.next_attempt_at >= now + timedelta(seconds=5)
    assert store.claim_helpdesk_due(now=now) == []  # not due yet
    [retry] = store.claim_helpdesk_due(now=now + timedelta(seconds=11))
    assert retry.attempts == 2
    dead = store.mark_helpdesk_failed(retry.id, "helpdesk answered 503", backoff)
    assert dead.status == "dead" and dead.last_error == "helpdesk answered 503"


def test_a_delivery_whose_sender_died_is_claimed_again(store: Store) -> None:
    from datetime import timedelta

    from assistant.store.models import utcnow

    _turn(store, "h-2")
    [item] = store.claim_helpdesk_due()
    later = utcnow() + timedelta(minutes=6)
    [again] = store.claim_helpdesk_due(now=later)
    assert again.id == item.id and again.attempts == 2
    store.mark_helpdesk_sent(again.id)
    sent = store.helpdesk_item(again.id)
    assert isinstance(sent, HelpdeskDelivery) and sent.status == "sent"


def test_inbound_receipts_refuse_a_replay(store: Store) -> None:
    from datetime import timedelta

    from assistant.store.models import utcnow

    assert store.remember_receipt("reply-1") is True
    assert store.remember_receipt("reply-1") is False
    store.release_receipt("reply-1")
    assert store.remember_receipt("reply-1") is True
    assert store.forget_receipts(utcnow() + timedelta(seconds=1)) == 1


def test_a_message_to_a_person_is_relayed_to_a_helpdesk_that_took_the_ticket(store: Store) -> None:
    told = _turn(store, "r-1")
    untold = _turn(store, "r-2", NewTicket(team="sales", reason="r", confidence=0.1))
    for key in (told, untold):
        row, _ = store.record_inbound(key, InboundMessage(channel="web", sender=key, text="more"))
        store.finish_turn(key, row.id, history=[], reply=None, channel="web", relay="more")
    ticket = store.latest_ticket(told)
    assert ticket is not None
    events = [
        (d.event, d.body.get("message", {}).get("text"))
        for d in store.helpdesk_deliveries([ticket.id])
    ]
    assert events == [("handoff", None), ("message", "more")]
    other = store.latest_ticket(untold)
    assert other is not None and store.helpdesk_deliveries([other.id]) == []
