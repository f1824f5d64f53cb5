"""Agents and their sessions in the store, on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assistant.desk.credentials import hash_password, new_api_key, new_session_token
from assistant.store import Store, StoreConflict
from assistant.store.models import utcnow


def test_agents_are_unique_by_username(store: Store) -> None:
    agent = store.create_agent("sam", team="sales", password_hash=hash_password("long enough"))
    assert (agent.display_name, agent.is_admin, agent.active) == ("sam", False, True)
    with pytest.raises(StoreConflict):
        store.create_agent("sam", team="orders")
    store.create_agent("ada", team="support", is_admin=True)
    assert [a.username for a in store.agents()] == ["sam", "ada"]  # by team, then name


def test_api_keys_are_found_by_their_hash_only_while_active(store: Store) -> None:
    store.create_agent("sam", team="sales")
    key, key_hash = new_api_key()
    store.update_agent("sam", api_key_hash=key_hash)
    found = store.agent_by_api_key(key_hash)
    assert found is not None and found.username == "sam"
    assert key not in (found.api_key_hash or "")
    store.update_agent("sam", active=False)
    assert store.agent_by_api_key(key_hash) is None


def test_sessions_expire_end_and_die_with_deactivation(store: Store) -> None:
    agent = store.create_agent("sam", team="sales")
    _, live = new_session_token()
    _, old = new_session_token()
    store.create_session(agent.id, live, utcnow() + timedelta(hours=1))
    store.create_session(agent.id, old, utcnow() - timedelta(seconds=1))
    assert store.session_agent(live) is not None
    assert store.session_agent(old) is None
    store.end_session(live)
    assert store.session_agent(live) is None
    _, other = new_session_token()
    store.create_session(agent.id, other, utcnow() + timedelta(hours=1))
    store.update_agent("sam", active=False)
    assert store.session_agent(other) is None
