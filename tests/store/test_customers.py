"""One customer across channels; consent."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import false, func, select

from assistant.store import RecordNotFound, Store, StoreConflict, customers
from assistant.store.models import Customer


def test_identify_returns_the_same_customer_for_the_same_sender(store: Store) -> None:
    first = store.identify("whatsapp", "+447700900123")
    assert store.identify("whatsapp", "+447700900123").id == first.id
    assert store.identify("web", "+447700900123").id != first.id  # another channel, unlinked


def test_linking_a_web_email_to_a_whatsapp_customer(store: Store) -> None:
    shopper = store.identify("whatsapp", "+447700900123")
    web = store.get_or_create_conversation("web:abc", "web", "ana@example.com", "default")
    assert web.customer_id != shopper.id
    store.link_identity(shopper.id, "web", "ana@example.com")
    store.update_customer(
        shopper.id, display_name="Ana", email=" Ana@Example.com ", phone="+44 7700-900 123"
    )
    assert store.identify("web", "ana@example.com").id == shopper.id
    moved = store.get_conversation("web:abc")
    assert moved is not None and moved.customer_id == shopper.id
    assert {(i.channel, i.external_id) for i in store.identities(shopper.id)} == {
        ("whatsapp", "+447700900123"),
        ("web", "ana@example.com"),
    }
    by_email = store.find_customer_by_email("ANA@example.com")
    by_phone = store.find_customer_by_phone("+447700900123")
    assert by_email is not None and by_phone is not None
    assert by_email.id == by_phone.id == shopper.id
    assert by_email.display_name == "Ana" and by_email.email == "ana@example.com"
    assert store.find_customer_by_email("nobody@example.com") is None


def test_email_belongs_to_one_customer(store: Store) -> None:
    first = store.identify("web", "s1")
    second = store.identify("web", "s2")
    store.update_customer(first.id, email="kim@example.com")
    with pytest.raises(StoreConflict):
        store.update_customer(second.id, email="KIM@example.com")
    store.update_customer(second.id, email=None)  # several customers without an email is fine
    store.update_customer(first.id, email=None)
    assert store.find_customer_by_email("kim@example.com") is None


def test_preferences_and_consent_flags_merge(store: Store) -> None:
    customer = store.identify("web", "s1")
    store.update_customer(customer.id, preferences={"sizes": {"shoe": "42"}, "budget": 150})
    updated = store.update_customer(
        customer.id, preferences={"categories": ["boots"]}, consent={"marketing": True}
    )
    assert updated.preferences == {
        "sizes": {"shoe": "42"}, "budget": 150, "categories": ["boots"],
    }  # fmt: skip
    assert updated.consent == {"marketing": True}
    with pytest.raises(RecordNotFound):
        store.update_customer("missing", display_name="x")
    with pytest.raises(RecordNotFound):
        store.link_identity("missing", "web", "s9")


def test_opt_out_round_trip(store: Store) -> None:
    assert not store.is_opted_out("sms", "+15550100")
    store.set_opt_out("sms", "+15550100", True)
    assert store.is_opted_out("sms", "+15550100")
    assert not store.is_opted_out("whatsapp", "+15550100")  # per channel
    store.set_opt_out("sms", "+15550100", False)
    assert not store.is_opted_out("sms", "+15550100")
    assert store.consent_value("sms", "+15550100", "opt_out") is False
    assert store.consent_value("sms", "+15550100", "marketing") is None


def test_consent_rows_point_at_the_known_customer(store: Store) -> None:
    customer = store.identify("sms", "+15550100")
    row = store.record_consent("sms", "+15550100", "marketing", True)
    anonymous = store.record_consent("sms", "+15550199", "marketing", True)
    assert row.customer_id == customer.id
    assert anonymous.customer_id is None


def test_a_sender_identified_meanwhile_keeps_the_first_customer(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests see a new sender at once: the one whose identity row lands second drops
    the customer it made and takes the first one's."""
    first = store.identify("web", "twice")
    seen = customers._CUSTOMER_OF
    monkeypatch.setattr(customers, "_CUSTOMER_OF", seen.where(false()))  # "not seen yet"
    insert_ignore = store._insert_ignore

    def then_seen(*args: Any) -> Any:
        monkeypatch.setattr(customers, "_CUSTOMER_OF", seen)  # the other request won
        return insert_ignore(*args)

    monkeypatch.setattr(store, "_insert_ignore", then_seen)
    assert store._run_direct(lambda unit: store._identify(unit, "web", "twice")) == first.id
    with store.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 1
