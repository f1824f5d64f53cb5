"""End to end per channel: a signed webhook in, the assistant's answer out through the
provider (a fake on loopback), within the channel's limits, with a tracked checkout link that
redirects to the right cart and records the click."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.api.app import create_app
from assistant.channels.settings import (
    InstagramSettings,
    MessengerSettings,
    SmsSettings,
    WhatsAppSettings,
)
from assistant.checkout import parse_cart_url
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.messages import InboundMessage, Reply
from assistant.retrieval.index import CatalogIndex
from assistant.testing.fake_provider import (
    FakeProvider,
    SignedWebhook,
    messenger_webhook,
    twilio_sms_form,
    whatsapp_text_webhook,
)
from tests.channels.conftest import META_TOKEN, TWILIO_SID, TWILIO_TOKEN

PUBLIC = "http://assistant.test"
WA_SECRET, FB_SECRET, IG_SECRET = "wa-app-secret", "fb-app-secret", "ig-app-secret"
SMS_URL = f"{PUBLIC}/webhooks/sms"


@pytest.fixture
def world(
    demo_index: CatalogIndex, tmp_path: Path, provider: FakeProvider, provider_url: str
) -> Iterator[tuple[TestClient, Concierge]]:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    settings.server.public_url = PUBLIC
    settings.channels.sms = SmsSettings(
        enabled=True, api_url=provider_url, account_sid=TWILIO_SID,
        auth_token=SecretStr(TWILIO_TOKEN), from_number="+15017122661",
    )  # fmt: skip
    settings.channels.whatsapp = WhatsAppSettings(
        enabled=True, api_url=provider_url, phone_number_id="1029384756",
        access_token=SecretStr(META_TOKEN), app_secret=SecretStr(WA_SECRET),
        verify_token=SecretStr("verify-me"),
    )  # fmt: skip
    settings.channels.messenger = MessengerSettings(
        enabled=True, api_url=provider_url, access_token=SecretStr(META_TOKEN),
        app_secret=SecretStr(FB_SECRET), verify_token=SecretStr("verify-me"),
    )  # fmt: skip
    settings.channels.instagram = InstagramSettings(
        enabled=True, api_url=provider_url, access_token=SecretStr(META_TOKEN),
        app_secret=SecretStr(IG_SECRET), verify_token=SecretStr("verify-me"),
    )  # fmt: skip
    concierge = Concierge.from_settings(settings, demo_index)
    with TestClient(create_app(settings, concierge), follow_redirects=False) as client:
        yield client, concierge


Inbound = Callable[[str], SignedWebhook]


def _sms(text: str) -> SignedWebhook:
    return twilio_sms_form(TWILIO_TOKEN, SMS_URL, sender="+14155550100", body=text)


def _whatsapp(text: str) -> SignedWebhook:
    return whatsapp_text_webhook(WA_SECRET, sender="16505551234", text=text)


def _messenger(text: str) -> SignedWebhook:
    return messenger_webhook(FB_SECRET, sender="6843220485734528", text=text)


def _instagram(text: str) -> SignedWebhook:
    return messenger_webhook(IG_SECRET, sender="17841400008460056", text=text, platform="instagram")


CHANNELS: dict[str, tuple[str, Inbound, Callable[[dict[str, Any]], str]]] = {
    "sms": ("+14155550100", _sms, lambda body: str(body.get("Body", ""))),
    "whatsapp": ("16505551234", _whatsapp, json.dumps),
    "messenger": ("6843220485734528", _messenger, json.dumps),
    "instagram": ("17841400008460056", _instagram, json.dumps),
}


def _say(
    client: TestClient, provider: FakeProvider, channel: str, text: str
) -> list[dict[str, Any]]:
    """Post a signed inbound message; wait for what the assistant sent back through the provider."""
    before = len(provider.sent())
    webhook = CHANNELS[channel][1](text)
    response = client.post(f"/webhooks/{channel}", content=webhook.body, headers=webhook.headers)
    assert response.status_code == 200, response.text
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sent = provider.sent()
        if len(sent) > before and time.monotonic() > deadline - 29:  # let a multi-part reply land
            time.sleep(0.3)
            return provider.sent()[before:]
        time.sleep(0.05)
    raise AssertionError(f"no reply delivered on {channel}")


def _last_reply(concierge: Concierge, channel: str) -> Reply:
    sender = CHANNELS[channel][0]
    conversation = concierge.store.get_conversation(f"{channel}:{sender}")
    assert conversation is not None
    outbound = [m for m in concierge.store.messages(conversation.id) if m.direction == "outbound"]
    return Reply.model_validate(outbound[-1].payload)


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_a_shopper_gets_answers_and_a_working_checkout_link(
    world: tuple[TestClient, Concierge], provider: FakeProvider, channel: str
) -> None:
    client, concierge = world
    text_of = CHANNELS[channel][2]
    sent = _say(client, provider, channel, "insulated water bottle")
    assert any("Bottle" in text_of(body) for body in sent)
    reply = _say(client, provider, channel, "I'll take the first one")
    for _ in range(3):
        last = _last_reply(concierge, channel)
        if last.checkout_url:
            break
        answer = "1" if channel == "sms" else last.quick_replies[0].payload  # SMS picks by number
        reply = _say(client, provider, channel, answer)
    last = _last_reply(concierge, channel)
    assert last.checkout_url and last.checkout_url.startswith(f"{PUBLIC}/c/")
    delivered = " ".join(text_of(body) for body in reply)
    assert last.checkout_url in delivered  # the tracked link went out, not the raw cart URL
    assert "cairnandcompass.example/cart" not in delivered
    for body in reply:
        _within_limits(channel, body)
    redirect = client.get(
        last.checkout_url.removeprefix(PUBLIC), headers={"user-agent": f"{channel}-shopper"}
    )
    assert redirect.status_code == 302
    cart = parse_cart_url(redirect.headers["location"])
    assert len(cart.lines) == 1 and cart.lines[0].quantity == 1
    link_id = last.checkout_url.rsplit("/", 1)[1].split(".")[0]
    assert [c.user_agent for c in concierge.store.clicks(link_id)] == [f"{channel}-shopper"]


def _within_limits(channel: str, body: dict[str, Any]) -> None:
    if channel == "sms":
        text = body["Body"]
        gsm = all(ord(c) < 128 for c in text)
        assert len(text) <= (153 * 3 if gsm else 67 * 3)
    elif channel == "whatsapp":
        if body.get("type") == "text":
            assert len(body["text"]["body"]) <= 4096
        else:
            interactive = body["interactive"]
            assert len(interactive["body"]["text"]) <= 1024
            for button in interactive.get("action", {}).get("buttons", []):
                assert len(button["reply"]["title"]) <= 20
    elif channel == "instagram":
        assert body["recipient"] == {"id": "17841400008460056"}
        message = body["message"]
        assert len(message.get("text", "").encode()) <= 1000  # Instagram counts UTF-8 bytes
        assert len(message.get("quick_replies", [])) <= 13
        assert all(len(q["title"]) <= 20 for q in message.get("quick_replies", []))
        elements = message.get("attachment", {}).get("payload", {}).get("elements", [])
        assert len(elements) <= 10
    else:
        message = body["message"]
        assert len(message.get("text", "")) <= 2000
        assert len(message.get("quick_replies", [])) <= 13


def test_bad_signatures_and_bodies_are_refused(world: tuple[TestClient, Concierge]) -> None:
    client, _ = world
    good = whatsapp_text_webhook(WA_SECRET, text="hi")
    tampered = client.post(
        "/webhooks/whatsapp", content=good.body.replace(b"hi", b"yo"), headers=good.headers
    )
    assert tampered.status_code == 403
    unsigned = client.post(
        "/webhooks/whatsapp", content=good.body, headers={"content-type": "application/json"}
    )
    assert unsigned.status_code == 403
    assert client.post("/webhooks/fax", content=b"{}").status_code == 404


def test_a_replayed_webhook_is_answered_once(
    world: tuple[TestClient, Concierge], provider: FakeProvider
) -> None:
    client, concierge = world
    webhook = whatsapp_text_webhook(
        WA_SECRET, sender="16505550000", text="merino socks", message_id="wamid.replayed"
    )
    for _ in range(3):
        assert (
            client.post(
                "/webhooks/whatsapp", content=webhook.body, headers=webhook.headers
            ).status_code
            == 200
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not provider.sent():
        time.sleep(0.05)
    time.sleep(1.0)
    conversation = concierge.store.get_conversation("whatsapp:16505550000")
    assert conversation is not None
    inbound = [m for m in concierge.store.messages(conversation.id) if m.direction == "inbound"]
    outbound = [m for m in concierge.store.messages(conversation.id) if m.direction == "outbound"]
    assert len(inbound) == 1 and len(outbound) == 1


def test_meta_subscription_handshake(world: tuple[TestClient, Concierge]) -> None:
    client, _ = world
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": "verify-me",
        "hub.challenge": "1158201444",
    }
    assert client.get("/webhooks/whatsapp", params=params).text == "1158201444"
    wrong = client.get("/webhooks/whatsapp", params={**params, "hub.verify_token": "nope"})
    assert wrong.status_code == 403


def test_sms_stop_opts_out_and_nothing_more_is_sent(
    world: tuple[TestClient, Concierge], provider: FakeProvider
) -> None:
    client, concierge = world
    stop = twilio_sms_form(TWILIO_TOKEN, SMS_URL, sender="+14155550199", body="STOP")
    response = client.post("/webhooks/sms", content=stop.body, headers=stop.headers)
    assert response.status_code == 200 and "<Response" in response.text
    assert concierge.store.is_opted_out("sms", "+14155550199")
    after = twilio_sms_form(TWILIO_TOKEN, SMS_URL, sender="+14155550199", body="merino socks")
    client.post("/webhooks/sms", content=after.body, headers=after.headers)
    time.sleep(2.0)
    assert not [b for b in provider.sent() if b.get("To") == "+14155550199"]


def test_a_message_stored_before_a_crash_is_answered_after_restart(
    demo_index: CatalogIndex, tmp_path: Path, provider: FakeProvider, provider_url: str
) -> None:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    settings.server.public_url = PUBLIC
    settings.channels.whatsapp = WhatsAppSettings(
        enabled=True, api_url=provider_url, phone_number_id="1029384756",
        access_token=SecretStr(META_TOKEN), app_secret=SecretStr(WA_SECRET),
        verify_token=SecretStr("verify-me"),
    )  # fmt: skip
    before = Concierge.from_settings(settings, demo_index)
    message = InboundMessage(
        channel="whatsapp",
        sender="16505557777",
        text="merino socks",
        provider_message_id="wamid.crash",
    )
    assert before.receive(message) is not None  # stored; the process "dies" before the turn
    restarted = Concierge.from_settings(settings, demo_index)
    with TestClient(create_app(settings, restarted)):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not provider.sent():
            time.sleep(0.05)
    [body] = [b for b in provider.sent() if b.get("to") == "16505557777"][:1]
    assert "Sock" in json.dumps(body)
    conversation = restarted.store.get_conversation("whatsapp:16505557777")
    assert conversation is not None
    statuses = [
        m.status for m in restarted.store.messages(conversation.id) if m.direction == "inbound"
    ]
    assert statuses == ["processed"]
