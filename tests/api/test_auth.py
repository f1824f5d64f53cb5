"""Agent authentication: password login with a session cookie, API keys, logout, expiry and
the CSRF rules for cookie-authenticated changes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.auth import COOKIE
from assistant.config import LimitSettings, Settings
from assistant.conversation import Concierge
from assistant.desk.credentials import hash_password, new_api_key, secret_hash, verify_password
from assistant.retrieval.index import CatalogIndex
from assistant.store import Store
from assistant.store.models import utcnow


@pytest.fixture
def app_store(demo_index: CatalogIndex, tmp_path: Path) -> Iterator[tuple[TestClient, Store]]:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    concierge = Concierge.from_settings(settings, demo_index)
    concierge.store.create_agent(
        "alice", team="sales", display_name="Alice", password_hash=hash_password("correct horse")
    )
    with TestClient(create_app(settings, concierge)) as client:
        yield client, concierge.store


def _login(client: TestClient, password: str = "correct horse") -> int:
    response = client.post("/console/api/login", json={"username": "alice", "password": password})
    return response.status_code


def test_password_login_sets_a_strict_http_only_cookie(app_store: tuple[TestClient, Store]) -> None:
    client, _ = app_store
    response = client.post(
        "/console/api/login", json={"username": "alice", "password": "correct horse"}
    )
    assert response.status_code == 200
    assert response.json()["agent"] == {
        "username": "alice", "display_name": "Alice", "team": "sales", "is_admin": False,
    }  # fmt: skip
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie and "Max-Age=43200" in cookie
    assert "Secure" not in cookie  # the public URL is http here
    assert client.get("/console/api/me").json()["agent"]["username"] == "alice"


def test_bad_credentials_get_the_same_401(app_store: tuple[TestClient, Store]) -> None:
    client, _ = app_store
    wrong = client.post("/console/api/login", json={"username": "alice", "password": "nope"})
    unknown = client.post("/console/api/login", json={"username": "bob", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert client.get("/console/api/me").status_code == 401


def test_logout_ends_the_session_server_side(app_store: tuple[TestClient, Store]) -> None:
    client, _ = app_store
    assert _login(client) == 200
    token = client.cookies[COOKIE]
    assert client.post("/console/api/logout", json={}).status_code == 200
    client.cookies.set(COOKIE, token)  # a copied cookie no longer works either
    assert client.get("/console/api/me").status_code == 401


def test_an_expired_session_is_refused(app_store: tuple[TestClient, Store]) -> None:
    client, store = app_store
    agent = store.get_agent("alice")
    assert agent is not None
    store.create_session(agent.id, secret_hash("old-token"), utcnow() - timedelta(seconds=1))
    client.cookies.set(COOKIE, "old-token")
    assert client.get("/console/api/me").status_code == 401


def test_api_key_works_as_a_bearer_token(app_store: tuple[TestClient, Store]) -> None:
    client, store = app_store
    key, key_hash = new_api_key()
    store.update_agent("alice", api_key_hash=key_hash)
    ok = client.get("/console/api/me", headers={"Authorization": f"Bearer {key}"})
    assert ok.status_code == 200 and ok.json()["agent"]["team"] == "sales"
    bad = client.get("/console/api/me", headers={"Authorization": f"Bearer {key}x"})
    assert bad.status_code == 401
    store.update_agent("alice", active=False)
    assert (
        client.get("/console/api/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    )


def test_cookie_changes_must_be_json_and_same_site(app_store: tuple[TestClient, Store]) -> None:
    client, _ = app_store
    assert _login(client) == 200
    form = client.post("/console/api/logout", data={"x": "1"})
    assert form.status_code == 415
    cross = client.post("/console/api/logout", json={}, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert client.get("/console/api/me").status_code == 200  # still logged in


def test_passwords_are_argon2_hashed_and_verified() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert verify_password("correct horse", stored)
    assert not verify_password("correct horsE", stored)
    assert not verify_password("correct horse", None)


def test_repeated_wrong_passwords_slow_that_address_and_lock_no_account(
    demo_index: CatalogIndex, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    concierge = Concierge.from_settings(settings, demo_index)
    store = concierge.store
    store.create_agent("alice", team="sales", display_name="Alice",
                       password_hash=hash_password("correct horse"))  # fmt: skip
    app = create_app(settings, concierge)
    with (
        TestClient(app, client=("203.0.113.9", 4000)) as attacker,
        TestClient(app, client=("198.51.100.7", 4000)) as alice,
    ):
        for _ in range(5):
            assert _login(attacker, "wrong guess") == 401
        assert _login(attacker, "wrong guess") == 429  # that pair is slowed, nothing checked
        assert _login(alice) == 200  # the account itself is not locked
    agent = store.get_agent("alice")
    assert agent is not None and agent.failed_logins == 0 and agent.locked_until is None


def test_failed_logins_from_one_address_are_limited_across_usernames(
    demo_index: CatalogIndex, tmp_path: Path
) -> None:
    limits = LimitSettings(login_failures_per_minute=1, login_failures_burst=3)
    settings = Settings(data_dir=tmp_path, limits=limits, _env_file=None)  # type: ignore[call-arg]
    concierge = Concierge.from_settings(settings, demo_index)
    store = concierge.store
    store.create_agent("alice", team="sales", display_name="Alice",
                       password_hash=hash_password("correct horse"))  # fmt: skip
    with TestClient(create_app(settings, concierge)) as client:
        for _ in range(4):  # right passwords cost nothing
            assert _login(client) == 200
        guesses = [
            client.post("/console/api/login", json={"username": name, "password": "123456"})
            for name in ("bob", "carol", "alice")
        ]
        assert [g.status_code for g in guesses] == [401, 401, 401]
        refused = client.post(
            "/console/api/login", json={"username": "alice", "password": "correct horse"}
        )
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert "set-cookie" not in refused.headers
        agent = store.get_agent("alice")
        assert agent is not None and agent.failed_logins == 1  # the refused try was not checked
