"""`/link` cannot tell which phone numbers the shop knows, cannot be used to spam a number by
writing it differently, and is limited per client address and per conversation."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.api.app import create_app
from assistant.channels.settings import WhatsAppSettings
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.retrieval.index import CatalogIndex
from assistant.testing.fake_provider import FakeProvider, serve, whatsapp_text_webhook
from tests.channels.conftest import META_TOKEN

WA_SECRET = "wa-app-secret"
KNOWN = "16505551234"  # chats with the shop on WhatsApp
OPTED_OUT = "16505554321"  # chatted, then opted out
UNKNOWN = "+1 650 555 7777"  # never wrote to the shop


@pytest.fixture
def shop(
    demo_index: CatalogIndex, tmp_path: Path
) -> Iterator[tuple[FastAPI, FakeProvider, Concierge]]:
    fake = FakeProvider(meta_token=META_TOKEN)
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    settings.identity.codes_per_hour = 2
    settings.limits.ip_burst = 500  # the web chat's general limit is not what is tested here
    with serve(fake) as provider_url:
        settings.channels.whatsapp = WhatsAppSettings(
            enabled=True, api_url=provider_url, phone_number_id="1029384756",
            access_token=SecretStr(META_TOKEN), app_secret=SecretStr(WA_SECRET),
            verify_token=SecretStr("verify-me"),
        )  # fmt: skip
        concierge = Concierge.from_settings(settings, demo_index)
        app = create_app(settings, concierge)
        with TestClient(app, client=("192.0.2.1", 5000)) as client:
            for sender in (KNOWN, OPTED_OUT):
                hook = whatsapp_text_webhook(WA_SECRET, sender=sender, text="hi")
                posted = client.post("/webhooks/whatsapp", content=hook.body, headers=hook.headers)
                assert posted.status_code == 200
            _wait(lambda: {KNOWN, OPTED_OUT} <= {b.get("to") for b in fake.sent()})
            concierge.store.set_opt_out("whatsapp", OPTED_OUT, True)
            fake.reset()
            yield app, fake, concierge


def _wait(done: Any, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _client(app: FastAPI, address: str) -> TestClient:
    """Another caller of the running app (the fixture's client runs its lifespan)."""
    return TestClient(app, client=(address, 5000))


def _start(client: TestClient) -> tuple[str, dict[str, str]]:
    started = client.post("/api/conversations", json={}).json()
    return started["conversation_id"], {"X-Conversation-Secret": started.get("secret", "")}


def _ask(client: TestClient, phone: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    web, headers = _start(client)
    response = client.post(f"/api/conversations/{web}/link", json={"phone": phone}, headers=headers)
    body = response.json()
    body.pop("expires_in_s", None)  # counts down; checked below to be the full lifetime
    if response.status_code == 202:
        typed = client.post(
            f"/api/conversations/{web}/link/verify", json={"code": "000000"}, headers=headers
        )
        return response.status_code, body, typed.json()
    return response.status_code, body, {}


def test_known_unknown_and_unreachable_numbers_get_the_same_answer(
    shop: tuple[FastAPI, FakeProvider, Concierge],
) -> None:
    app, fake, _ = shop
    answers = {}
    for n, phone in enumerate((KNOWN, UNKNOWN, OPTED_OUT)):
        client = _client(app, f"192.0.2.{10 + n}")
        answers[phone] = _ask(client, phone)
    statuses = {status for status, _, _ in answers.values()}
    assert statuses == {202}, answers
    bodies = [{**body, "sent_to": "…"} for _, body, _ in answers.values()]
    assert bodies[0] == bodies[1] == bodies[2]
    assert [body["sent_to"] for _, body, _ in answers.values()] == ["…1234", "…7777", "…4321"]
    wrong = [typed for _, _, typed in answers.values()]  # a wrong code, for each the same
    assert wrong[0] == wrong[1] == wrong[2]
    assert wrong[0]["error"] == "wrong_code" and "4 tries left" in wrong[0]["detail"]
    _wait(lambda: len(fake.sent()) >= 1)
    time.sleep(0.5)
    assert [b.get("to") for b in fake.sent()] == [KNOWN]  # the code went only where it may


def test_the_hourly_cap_counts_a_number_however_it_is_written(
    shop: tuple[FastAPI, FakeProvider, Concierge],
) -> None:
    app, _, _ = shop
    statuses = []
    for n, phone in enumerate(("+16505551234", "16505551234", "650-555-1234")):
        client = _client(app, f"198.51.100.{n + 1}")
        statuses.append(_ask(client, phone)[0])
    assert statuses == [202, 202, 429]  # codes_per_hour is 2, whoever asks and however written
    statuses = []
    for n in range(3):  # an unknown number is capped the same way
        client = _client(app, f"198.51.100.{n + 10}")
        statuses.append(_ask(client, UNKNOWN)[0])
    assert statuses == [202, 202, 429]


def test_invalid_numbers_are_refused_clearly(
    shop: tuple[FastAPI, FakeProvider, Concierge],
) -> None:
    app, fake, _ = shop
    client = _client(app, "192.0.2.50")
    web, headers = _start(client)
    for phone in ("+1 000 000 0000", "+999 1234 5678", "12345678"):
        path = f"/api/conversations/{web}/link"
        response = client.post(path, json={"phone": phone}, headers=headers)
        assert response.status_code == 422, (phone, response.text)
        assert response.json()["error"] == "invalid_phone"
    assert fake.sent() == []


def test_one_address_cannot_call_link_without_limit(
    shop: tuple[FastAPI, FakeProvider, Concierge],
) -> None:
    app, _, _ = shop
    client, starter = _client(app, "203.0.113.66"), _client(app, "192.0.2.99")
    answers = []
    for n in range(60):  # a fresh conversation each time: the address is what is limited
        web, headers = _start(starter)
        phone = f"+1 650 555 {n:04d}"
        path = f"/api/conversations/{web}/link"
        answers.append(client.post(path, json={"phone": phone}, headers=headers))
    limited = [a for a in answers if a.status_code == 429]
    assert limited, "sixty link requests from one address all went through"
    assert limited[0].json()["error"] == "rate_limited"
    assert int(limited[0].headers["retry-after"]) >= 1
    other = _client(app, "203.0.113.67")  # another address is not affected
    assert _ask(other, UNKNOWN)[0] == 202


def test_one_conversation_cannot_guess_codes_without_limit(
    shop: tuple[FastAPI, FakeProvider, Concierge],
) -> None:
    app, _, _ = shop
    web = ""
    headers: dict[str, str] = {}
    statuses = []
    for n in range(30):  # each call from another address: the conversation is what is limited
        client = _client(app, f"10.1.{n}.1")
        if not web:
            web, headers = _start(client)
        path = f"/api/conversations/{web}/link/verify"
        statuses.append(client.post(path, json={"code": "000000"}, headers=headers))
    limited = [r for r in statuses if r.status_code == 429 and r.json()["error"] == "rate_limited"]
    assert limited and int(limited[0].headers["retry-after"]) >= 1
