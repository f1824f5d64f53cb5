"""Failing console logins on purpose cannot keep an agent out: failures slow down the
(account, address) pair and the address, never the account itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.desk.credentials import hash_password
from assistant.retrieval.index import CatalogIndex

PASSWORD = "correct horse"


@pytest.fixture
def desk(demo_index: CatalogIndex, tmp_path: Path) -> Iterator[FastAPI]:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    concierge = Concierge.from_settings(settings, demo_index)
    for name in ("alice", "bob"):
        concierge.store.create_agent(
            name, team="sales", display_name=name.title(), password_hash=hash_password(PASSWORD)
        )
    app = create_app(settings, concierge)
    with TestClient(app, client=("192.0.2.1", 4000)):  # runs the app's lifespan
        yield app


def _login(app: FastAPI, address: str, username: str, password: str) -> int:
    client = TestClient(app, client=(address, 4000))
    body = {"username": username, "password": password}
    return client.post("/console/api/login", json=body).status_code


def test_an_attacker_failing_on_purpose_does_not_lock_the_agent_out(desk: FastAPI) -> None:
    attacker, office = "203.0.113.9", "198.51.100.7"
    answers = [_login(desk, attacker, "alice", "guess") for _ in range(30)]
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}  # slowed, from that address
    assert _login(desk, office, "alice", PASSWORD) == 200  # the agent, from theirs


def test_failures_slow_the_pair_not_the_account_nor_the_address_at_once(desk: FastAPI) -> None:
    attacker = "203.0.113.10"
    for _ in range(5):
        assert _login(desk, attacker, "alice", "guess") == 401
    assert _login(desk, attacker, "alice", PASSWORD) == 429  # this pair waits, unchecked
    assert _login(desk, attacker, "bob", "guess") == 401  # another account from it: its own
    assert _login(desk, "198.51.100.8", "alice", PASSWORD) == 200


def test_spraying_many_accounts_from_one_address_is_limited(desk: FastAPI) -> None:
    sprayer = "203.0.113.11"
    answers = [_login(desk, sprayer, f"user{n}", "Winter2026!") for n in range(15)]
    assert answers[:10] == [401] * 10 and set(answers[10:]) == {429}
    assert _login(desk, "198.51.100.9", "bob", PASSWORD) == 200  # elsewhere, all is well
