"""Preferences kept on the customer, consent in the consent table, shared across identities."""

from __future__ import annotations

import pytest

from assistant.store import RecordNotFound, Store
from assistant.store.preferences import REMEMBER


def test_remember_decline_and_forget(store: Store) -> None:
    customer = store.identify("whatsapp", "16505551234")
    assert store.preferences_of(customer.id) == ({}, None)
    kept = store.remember_preferences(customer.id, "whatsapp", "16505551234", {"size": "M"})
    assert kept == {"size": "M"}
    store.remember_preferences(customer.id, "whatsapp", "16505551234", {"budget": "150"})
    assert store.preferences_of(customer.id) == ({"size": "M", "budget": "150"}, True)
    assert store.consent_value("whatsapp", "16505551234", REMEMBER) is True
    store.forget_preferences(customer.id, "whatsapp", "16505551234")
    assert store.preferences_of(customer.id) == ({}, False)
    other = store.identify("sms", "+15550100")
    store.decline_preferences(other.id, "sms", "+15550100")
    assert store.preferences_of(other.id) == ({}, False)


def test_consent_follows_the_customer_across_linked_identities(store: Store) -> None:
    customer = store.identify("whatsapp", "16505551234")
    store.link_identity(customer.id, "web", "visitor-7")
    store.remember_preferences(customer.id, "web", "visitor-7", {"size": "L"})
    assert store.preferences_of(customer.id) == ({"size": "L"}, True)  # asked on the web
    assert store.identify("whatsapp", "16505551234").preferences == {"size": "L"}


def test_unknown_customer(store: Store) -> None:
    with pytest.raises(RecordNotFound):
        store.remember_preferences("nobody", "web", "x", {"size": "M"})
    assert store.preferences_of("nobody") == ({}, None)
