"""Data requests on both backends: export everything about a customer; delete them (and
what they said) while analytics stay, anonymised, and an opt-out stays as a suppression."""

from __future__ import annotations

import json

import pytest

from assistant.messages import InboundMessage, Reply
from assistant.store import RecordNotFound, Store
from assistant.store.models import ConversationRow
from assistant.store.tickets import NewTicket, add_ticket


def _customer(store: Store) -> tuple[str, str]:
    """A shopper on WhatsApp and SMS with messages, a ticket, a clicked link, events, consent."""
    chat = store.get_or_create_conversation("whatsapp:1555", "whatsapp", "1555", "default")
    customer_id = chat.customer_id
    assert customer_id is not None
    store.update_customer(customer_id, email="Jo@Example.com", preferences={"size": "M"})
    store.link_identity(customer_id, "sms", "+1555")
    sms = store.get_or_create_conversation("sms:+1555", "sms", "+1555", "default")
    for conversation in (chat, sms):
        store.record_inbound(
            conversation.id,
            InboundMessage(channel=conversation.channel, sender=conversation.sender, text="hi"),  # type: ignore[arg-type]
        )
        store.record_outbound(conversation.id, Reply(text="hello"), channel=conversation.channel)
    with store.session() as session:
        row = session.get(ConversationRow, chat.id)
        assert row is not None
        add_ticket(session, row, NewTicket(team="sales", reason="low confidence", confidence=0.2))
    link = store.create_link("https://shop/cart", conversation_id=chat.id, channel="whatsapp")
    store.resolve_and_record_click(link, "phone")
    store.record_event(chat.id, "search", data={"query": "socks"})
    store.set_opt_out("sms", "+1555", True)
    store.record_consent("whatsapp", "1555", "marketing", True)
    return customer_id, link


def test_export_holds_everything_stored_about_the_customer(store: Store) -> None:
    customer_id, link = _customer(store)
    exported = store.export_customer(customer_id)
    json.dumps(exported)  # JSON-ready
    assert exported["customer"]["email"] == "jo@example.com"
    assert exported["customer"]["preferences"] == {"size": "M"}
    assert {(i["channel"], i["external_id"]) for i in exported["identities"]} == {
        ("whatsapp", "1555"), ("sms", "+1555"),
    }  # fmt: skip
    assert len(exported["conversations"]) == 2 and len(exported["messages"]) == 4
    assert [t["team"] for t in exported["tickets"]] == ["sales"]
    assert [c["token"] for c in exported["checkout_links"]] == [link]
    assert [c["user_agent"] for c in exported["clicks"]] == ["phone"]
    assert "search" in [e["kind"] for e in exported["events"]]
    assert {c["kind"] for c in exported["consents"]} == {"opt_out", "marketing"}


def test_delete_removes_the_customer_and_what_they_said(store: Store) -> None:
    customer_id, link = _customer(store)
    deleted = store.delete_customer(customer_id)
    assert deleted["customers"] == 1 and deleted["conversations"] == 2
    assert deleted["messages"] == 4 and deleted["checkout_links"] == 1
    assert store.get_customer(customer_id) is None
    assert store.get_conversation("whatsapp:1555") is None
    assert store.messages("whatsapp:1555") == [] and store.latest_ticket("whatsapp:1555") is None
    assert store.clicks(link) == []
    events = store.events(kind="search")
    assert len(events) == 1 and events[0].conversation_id is None  # kept, anonymised
    assert store.is_opted_out("sms", "+1555")  # the suppression stays
    assert store.consent_value("whatsapp", "1555", "marketing") is None
    with pytest.raises(RecordNotFound):
        store.export_customer(customer_id)
