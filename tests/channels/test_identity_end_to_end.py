"""Continue a WhatsApp chat on the web: a code goes out through WhatsApp (the fake provider),
the shopper types it on the web, and the web chat carries on with the WhatsApp context."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import update

from assistant.api.app import create_app
from assistant.channels.settings import SmsSettings, WhatsAppSettings
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.messages import Reply
from assistant.retrieval.index import CatalogIndex
from assistant.store.models import LinkCode
from assistant.testing.fake_provider import FakeProvider, whatsapp_text_webhook
from tests.channels.conftest import META_TOKEN, TWILIO_SID, TWILIO_TOKEN
from tests.web_chat import start_chat

WA_SECRET = "wa-app-secret"
SHOPPER = "16505551234"


@pytest.fixture
def world(
    demo_index: CatalogIndex, tmp_path: Path, provider: FakeProvider, provider_url: str
) -> Iterator[tuple[TestClient, Concierge]]:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    settings.server.public_url = "http://assistant.test"
    settings.channels.whatsapp = WhatsAppSettings(
        enabled=True, api_url=provider_url, phone_number_id="1029384756",
        access_token=SecretStr(META_TOKEN), app_secret=SecretStr(WA_SECRET),
        verify_token=SecretStr("verify-me"),
    )  # fmt: skip
    settings.channels.sms = SmsSettings(
        enabled=True, api_url=provider_url, account_sid=TWILIO_SID,
        auth_token=SecretStr(TWILIO_TOKEN), from_number="+15017122661",
    )  # fmt: skip
    settings.identity.codes_per_hour = 3
    settings.limits.link_burst = 50  # the per-address limit has its own tests (tests/security)
    concierge = Concierge.from_settings(settings, demo_index)
    with TestClient(create_app(settings, concierge), follow_redirects=False) as client:
        yield client, concierge


def _wait_for(provider: FakeProvider, before: int, to: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sent = [b for b in provider.sent()[before:] if to in (b.get("to"), b.get("To"))]
        if sent:
            time.sleep(0.3)  # let a multi-part reply land
            return [b for b in provider.sent()[before:] if to in (b.get("to"), b.get("To"))]
        time.sleep(0.05)
    raise AssertionError(f"nothing delivered to {to}")


def _whatsapp(client: TestClient, provider: FakeProvider, text: str) -> None:
    before = len(provider.sent())
    webhook = whatsapp_text_webhook(WA_SECRET, sender=SHOPPER, text=text)
    response = client.post("/webhooks/whatsapp", content=webhook.body, headers=webhook.headers)
    assert response.status_code == 200
    _wait_for(provider, before, SHOPPER)


def _ask_code(
    client: TestClient, provider: FakeProvider, web: str, auth: dict[str, str], phone: str
) -> str:
    before = len(provider.sent())
    response = client.post(f"/api/conversations/{web}/link", json={"phone": phone}, headers=auth)
    assert response.status_code == 202, response.text
    assert response.json()["channels"] == ["whatsapp", "sms"]
    assert response.json()["sent_to"].endswith("1234") and SHOPPER not in response.text
    [message] = _wait_for(provider, before, SHOPPER)
    found = re.search(r"\b(\d{6})\b", json.dumps(message))
    assert found, message
    return found.group(1)


def _other(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def _whatsapp_reply(concierge: Concierge) -> Reply:
    rows = concierge.store.messages(f"whatsapp:{SHOPPER}")
    return Reply.model_validate([m for m in rows if m.direction == "outbound"][-1].payload)


def test_a_whatsapp_chat_continues_on_the_web_after_the_code(
    world: tuple[TestClient, Concierge], provider: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    client, concierge = world
    caplog.set_level(logging.DEBUG)
    _whatsapp(client, provider, "insulated water bottle")
    shown = _whatsapp_reply(concierge).products
    assert len(shown) >= 2
    web, auth, _ = start_chat(client)
    code = _ask_code(client, provider, web, auth, "+1 (650) 555-1234")

    wrong = client.post(
        f"/api/conversations/{web}/link/verify", json={"code": _other(code)}, headers=auth
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "wrong_code"
    assert "4 tries left" in wrong.json()["detail"]
    right = client.post(f"/api/conversations/{web}/link/verify", json={"code": code}, headers=auth)
    assert right.status_code == 200, right.text
    assert right.json()["linked"] is True and right.json()["imported_messages"] >= 2

    history = client.get(f"/api/conversations/{web}/messages", headers=auth).json()["messages"]
    assert history[0] == {**history[0], "role": "shopper", "channel": "whatsapp"}
    assert history[0]["text"] == "insulated water bottle"
    assert [p["product_id"] for p in history[1]["products"]] == [p.product_id for p in shown]

    reply = client.post(
        f"/api/conversations/{web}/messages",
        json={"text": "tell me more about the second one"},
        headers=auth,
    ).json()
    assert shown[1].title in reply["text"]  # "the second one" is the second product on WhatsApp
    web_row, phone_row = concierge.get(web), concierge.get(f"whatsapp:{SHOPPER}")
    assert web_row is not None and phone_row is not None
    assert web_row.customer_id == phone_row.customer_id
    assert code not in caplog.text  # never logged
    again = client.post(f"/api/conversations/{web}/link/verify", json={"code": code}, headers=auth)
    assert again.status_code == 409 and again.json()["error"] == "no_code_pending"


def test_an_unknown_number_gets_the_same_answer_and_no_code(
    world: tuple[TestClient, Concierge], provider: FakeProvider
) -> None:
    client, concierge = world
    web, auth, _ = start_chat(client)
    response = client.post(
        f"/api/conversations/{web}/link", json={"phone": "+1 650 555 0000"}, headers=auth
    )
    assert response.status_code == 202, response.text
    assert response.json()["sent_to"] == "…0000"
    time.sleep(0.5)
    assert provider.sent() == []
    wrong = client.post(
        f"/api/conversations/{web}/link/verify", json={"code": "123456"}, headers=auth
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "wrong_code"
    assert concierge.store.linked_sources(web) == []


def test_too_many_wrong_codes_lock_the_code(
    world: tuple[TestClient, Concierge], provider: FakeProvider
) -> None:
    client, concierge = world
    _whatsapp(client, provider, "hi")
    web, auth, _ = start_chat(client)
    code = _ask_code(client, provider, web, auth, f"+{SHOPPER}")
    for left in (4, 3, 2, 1, 0):
        wrong = client.post(
            f"/api/conversations/{web}/link/verify", json={"code": _other(code)}, headers=auth
        )
        assert wrong.status_code == 400 and f"{left} tr" in wrong.json()["detail"]
    locked = client.post(f"/api/conversations/{web}/link/verify", json={"code": code}, headers=auth)
    assert locked.status_code == 429 and locked.json()["error"] == "too_many_attempts"
    assert concierge.store.linked_sources(web) == []


def test_an_expired_code_links_nothing(
    world: tuple[TestClient, Concierge], provider: FakeProvider
) -> None:
    client, concierge = world
    _whatsapp(client, provider, "hi")
    web, auth, _ = start_chat(client)
    code = _ask_code(client, provider, web, auth, SHOPPER)
    with concierge.store.session() as session:
        past = datetime.now(UTC) - timedelta(seconds=1)
        session.execute(update(LinkCode).values(expires_at=past))
    expired = client.post(
        f"/api/conversations/{web}/link/verify", json={"code": code}, headers=auth
    )
    assert expired.status_code == 410 and expired.json()["error"] == "code_expired"
    assert concierge.store.linked_sources(web) == []


def test_codes_are_rate_limited_and_inputs_checked(
    world: tuple[TestClient, Concierge], provider: FakeProvider
) -> None:
    client, _ = world
    _whatsapp(client, provider, "hi")
    web, auth, _ = start_chat(client)
    for _ in range(3):
        _ask_code(client, provider, web, auth, SHOPPER)
    limited = client.post(f"/api/conversations/{web}/link", json={"phone": SHOPPER}, headers=auth)
    assert limited.status_code == 429 and limited.json()["error"] == "rate_limited"
    for body in ({"phone": "call me"}, {"phone": SHOPPER, "email": "a@b.c"}, {}):
        refused = client.post(f"/api/conversations/{web}/link", json=body, headers=auth)
        assert refused.status_code == 422
    for code in ("12345", "abcdef", "1234567"):
        response = client.post(
            f"/api/conversations/{web}/link/verify", json={"code": code}, headers=auth
        )
        assert response.status_code == 422
    unknown = client.post("/api/conversations/nope/link", json={"phone": SHOPPER})
    assert unknown.status_code == 404
    schema = client.get("/openapi.json").json()
    assert "/api/conversations/{conversation_id}/link/verify" in schema["paths"]
