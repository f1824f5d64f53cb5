"""Hostile text on every inbound path, on SQLite and on PostgreSQL: NUL bytes, lone surrogates,
other control characters, piles of combining marks and bidirectional overrides are stored (what
was sent stays recoverable), answered, and never answered with a 5xx."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.api.app import create_app
from assistant.conversation import Concierge
from assistant.messages import InboundMessage
from assistant.retrieval.index import CatalogIndex
from assistant.storable import storable
from assistant.store import Store
from assistant.store.models import MessageRow
from assistant.testing.fake_helpdesk import signed_reply
from assistant.testing.fake_provider import (
    FakeProvider,
    twilio_sms_form,
    twilio_status_form,
    whatsapp_status_webhook,
    whatsapp_webhook,
)
from tests.channels.conftest import TWILIO_TOKEN
from tests.desk import conftest as desk_fixtures
from tests.desk.conftest import (
    SMS_URL,
    UNSURE,
    WA_SECRET,
    Shop,
    add_agents,
    desk_settings,
    text_of,
    wait_for_sends,
    wait_processed,
    webhook,
)
from tests.store import conftest as store_fixtures

provider_server = desk_fixtures.provider_server  # the fake provider on loopback
provider = desk_fixtures.provider
provider_url = desk_fixtures.provider_url
postgres_url = store_fixtures.postgres_url

HELPDESK_SECRET = "helpdesk-shared-secret"
HOSTILE = {
    "nul": "rain\u0000 jacket",
    "surrogate": "merino \ud800socks and \udfff",
    "controls": "socks\x01\x02\x1b[31m red\x7f\x85 please\r\nthanks\x0c",
    "combining": "so" + "\u0301\u0308\u0327" * 200 + "cks",
    "bidi": "\u202egnihtolc\u202c socks \u2066bottle\u2069 \u200f",
}
# A form-encoded (SMS) body is UTF-8: a lone surrogate cannot be written in one.
FORM_HOSTILE = {name: text for name, text in HOSTILE.items() if name != "surrogate"}


@pytest.fixture(params=["sqlite", "postgresql"])
def hostile_shop(
    request: pytest.FixtureRequest,
    demo_index: CatalogIndex,
    tmp_path: Path,
    provider: FakeProvider,
    provider_url: str,
) -> Iterator[Shop]:
    """Every channel on the fake provider, the helpdesk webhook, agents; on each backend."""
    settings = desk_settings(tmp_path, provider_url)
    settings.desk.webhook_secret = SecretStr(HELPDESK_SECRET)
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        settings.database_url = SecretStr(url)
        store = Store.open(url)
        store_fixtures._empty(store)
    else:
        store = Store.open(f"sqlite:///{tmp_path / 'hostile.db'}")
        store.create_schema()
    concierge = Concierge.from_settings(settings, demo_index, store=store)
    keys = add_agents(store)
    try:
        with TestClient(create_app(settings, concierge), follow_redirects=False) as client:
            yield Shop(client, concierge, provider, keys)
    finally:
        store.close()


def inbound(store: Store, conversation_id: str) -> list[MessageRow]:
    return [m for m in store.messages(conversation_id) if m.direction == "inbound"]


def assert_kept(row: MessageRow, sent: str) -> None:
    """Stored as every backend can, answered, and what was sent recoverable from the row."""
    assert row.text == storable(sent)
    assert "\x00" not in row.text and row.text.encode("utf-8")  # no lone surrogate either
    assert InboundMessage.model_validate(row.payload).original("text") == sent
    assert row.status == "processed", row.error


def test_web_chat_json_and_stream(hostile_shop: Shop) -> None:
    client = hostile_shop.client
    for route in ("messages", "messages/stream"):
        for name, text in HOSTILE.items():
            started = client.post("/api/conversations", json={}).json()
            conversation_id = started["conversation_id"]
            headers = {"X-Conversation-Secret": started.get("secret", "")}
            path = f"/api/conversations/{conversation_id}/{route}"
            body = json.dumps({"text": text}).encode()  # escaped: "\ud800" is valid JSON
            response = client.post(
                path, content=body, headers={**headers, "Content-Type": "application/json"}
            )
            assert response.status_code == 200, (route, name, response.text)
            reply = _reply(response.text) if route.endswith("stream") else response.json()
            assert reply["text"], (route, name)
            [row] = inbound(hostile_shop.store, conversation_id)
            assert_kept(row, text)
            history = client.get(f"/api/conversations/{conversation_id}/messages", headers=headers)
            assert history.status_code == 200
            assert history.json()["messages"][-2]["text"] == storable(text)


def _reply(stream: str) -> dict[str, Any]:
    """The `reply` event of a streamed answer."""
    for block in stream.split("\n\n"):
        if block.startswith("event: reply\n"):
            return dict(json.loads(block.split("data: ", 1)[1]))
    raise AssertionError(f"no reply event in {stream!r}")


@pytest.mark.parametrize("channel", ["whatsapp", "messenger", "instagram", "sms"])
def test_channel_webhooks(hostile_shop: Shop, channel: str) -> None:
    samples = FORM_HOSTILE if channel == "sms" else HOSTILE
    senders = {}
    for n, (name, text) in enumerate(samples.items()):
        senders[name] = sender = f"+1650555{n:04d}" if channel == "sms" else f"1650555{n:04d}"
        hook = webhook(channel, sender, text)
        response = hostile_shop.client.post(
            f"/webhooks/{channel}", content=hook.body, headers=hook.headers
        )
        assert response.status_code == 200, (name, response.text)
    for name, sender in senders.items():
        assert wait_for_sends(hostile_shop.provider, sender, 0), name  # answered
        conversation_id = f"{channel}:{sender}"
        wait_processed(hostile_shop.store, conversation_id)
        [row] = inbound(hostile_shop.store, conversation_id)
        assert_kept(row, samples[name])


def test_a_batched_webhook_answers_the_innocent_beside_the_hostile(hostile_shop: Shop) -> None:
    hostile, innocent = "16505550001", "16505550002"
    messages = [
        {"from": sender, "id": f"wamid.batch-{sender}", "timestamp": str(int(time.time())),
         "type": "text", "text": {"body": text}}
        for sender, text in ((hostile, HOSTILE["nul"] + HOSTILE["surrogate"]),
                             (innocent, "merino socks"))
    ]  # fmt: skip
    hook = whatsapp_webhook(WA_SECRET, messages=messages)
    client = hostile_shop.client
    response = client.post("/webhooks/whatsapp", content=hook.body, headers=hook.headers)
    assert response.status_code == 200 and response.json()["messages"] == 2
    for sender in (hostile, innocent):
        assert wait_for_sends(hostile_shop.provider, sender, 0)
        wait_processed(hostile_shop.store, f"whatsapp:{sender}")
    [row] = inbound(hostile_shop.store, f"whatsapp:{hostile}")
    assert_kept(row, HOSTILE["nul"] + HOSTILE["surrogate"])


def _handed_off(shop: Shop, sender: str) -> str:
    """A WhatsApp conversation the bot handed to a person."""
    hook = webhook("whatsapp", sender, UNSURE)
    response = shop.client.post("/webhooks/whatsapp", content=hook.body, headers=hook.headers)
    assert response.status_code == 200
    wait_for_sends(shop.provider, sender, 0)
    conversation_id = f"whatsapp:{sender}"
    wait_processed(shop.store, conversation_id)
    assert shop.conversation(conversation_id).state == "pending_human"
    return conversation_id


def test_helpdesk_replies(hostile_shop: Shop) -> None:
    sender = "16505550777"
    conversation_id = _handed_off(hostile_shop, sender)
    for name, text in HOSTILE.items():
        before = len([b for b in hostile_shop.provider.sent() if sender in json.dumps(b)])
        body, headers = signed_reply(
            HELPDESK_SECRET, conversation_id, f"Hana: {text}", agent=f"Ha\x00na\ud800{name}"
        )
        response = hostile_shop.client.post("/desk/webhook/reply", content=body, headers=headers)
        assert response.status_code == 200, (name, response.text)
        delivered = wait_for_sends(hostile_shop.provider, sender, before)
        assert any("Hana:" in text_of(b) for b in delivered)
        last = hostile_shop.store.messages(conversation_id)[-1]
        assert last.direction == "outbound" and last.text == storable(f"Hana: {text}")


def test_console_replies(hostile_shop: Shop) -> None:
    sender = "16505550778"
    conversation_id = _handed_off(hostile_shop, sender)
    assert hostile_shop.console("ada", "claim", conversation_id).status_code == 200
    for name, text in HOSTILE.items():
        response = hostile_shop.client.post(
            f"/console/api/conversations/{conversation_id}/reply",
            content=json.dumps({"text": f"Ada: {text}"}),  # escaped: valid JSON
            headers={**hostile_shop.as_agent("ada"), "Content-Type": "application/json"},
        )
        assert response.status_code == 200, (name, response.text)
        last = hostile_shop.store.messages(conversation_id)[-1]
        assert last.direction == "outbound" and last.text == storable(f"Ada: {text}")


def test_ids_in_the_path_with_a_nul_name_nothing(hostile_shop: Shop) -> None:
    client, agent = hostile_shop.client, hostile_shop.as_agent("ada")
    for path in ("/api/conversations/a%00b/messages", "/console/api/conversations/a%00b"):
        assert client.get(path, headers=agent).status_code == 404
    posted = client.post("/api/conversations/a%00b/messages", json={"text": "merino socks"})
    assert posted.status_code == 404
    assert client.get("/api/conversations/a%1bb/messages").status_code == 404


def test_receipts_and_opt_outs_with_hostile_ids(hostile_shop: Shop) -> None:
    """Delivery receipts and compliance keywords are written too (statuses, consents)."""
    hooks = [
        ("whatsapp", whatsapp_status_webhook(WA_SECRET, message_id="wamid.\x00\ud800")),
        ("sms", twilio_status_form(TWILIO_TOKEN, SMS_URL, message_sid="SM\x00", to="+1\x00")),
        ("sms", twilio_sms_form(TWILIO_TOKEN, SMS_URL, sender="+1415\x00555", body="STOP")),
    ]
    for channel, hook in hooks:
        response = hostile_shop.client.post(
            f"/webhooks/{channel}", content=hook.body, headers=hook.headers
        )
        assert response.status_code == 200, (channel, response.text)


def test_a_console_login_with_a_hostile_username_is_refused_not_failed(hostile_shop: Shop) -> None:
    for username in ("ada\x00", "ada\ud800"):
        body = json.dumps({"username": username, "password": "not her password"})
        response = hostile_shop.client.post(
            "/console/api/login", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 401, response.text
