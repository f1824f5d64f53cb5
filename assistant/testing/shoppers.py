"""Shoppers on every channel against one fake provider: settings, signed messages, and who got
what back. Shared by the reliability tests and the load benchmark (benchmarks/load.py).

    provider = channel_provider()
    with serve(provider) as provider_url:
        enable_channels(settings, provider_url)
        webhook = signed_message("whatsapp", "16505550001", "merino socks")
        client.post(webhook_path("whatsapp"), content=webhook.body, headers=webhook.headers)
        replies_by_recipient(provider)        # {"16505550001": ["Here's what I found..."]}
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Literal

from pydantic import SecretStr

from assistant.channels.settings import MessengerSettings, SmsSettings, WhatsAppSettings
from assistant.config import Settings
from assistant.testing.fake_provider import FakeProvider, Recorded
from assistant.testing.provider_webhooks import (
    SignedWebhook,
    messenger_webhook,
    twilio_sms_form,
    whatsapp_text_webhook,
)

ChannelName = Literal["whatsapp", "messenger", "sms"]
CHANNELS: tuple[ChannelName, ...] = ("whatsapp", "messenger", "sms")
PUBLIC_URL = "http://assistant.test"
META_TOKEN = "EAAG-shoppers-token"
TWILIO_SID = "AC0123456789abcdef0123456789abcdef"
TWILIO_TOKEN = "twilio-shoppers-token"
WHATSAPP_SECRET = "whatsapp-shoppers-secret"
MESSENGER_SECRET = "messenger-shoppers-secret"
SHOP_NUMBER = "+15017122661"


def channel_provider() -> FakeProvider:
    """A fake provider accepting the credentials `enable_channels` configures."""
    return FakeProvider(meta_token=META_TOKEN, twilio_sid=TWILIO_SID, twilio_token=TWILIO_TOKEN)


def enable_channels(settings: Settings, provider_url: str) -> Settings:
    """Turn on WhatsApp, Messenger and SMS, all sending to the fake provider at `provider_url`."""
    settings.server.public_url = PUBLIC_URL
    settings.channels.whatsapp = WhatsAppSettings(
        enabled=True, api_url=provider_url, phone_number_id="1029384756",
        access_token=SecretStr(META_TOKEN), app_secret=SecretStr(WHATSAPP_SECRET),
        verify_token=SecretStr("verify-me"),
    )  # fmt: skip
    settings.channels.messenger = MessengerSettings(
        enabled=True, api_url=provider_url, access_token=SecretStr(META_TOKEN),
        app_secret=SecretStr(MESSENGER_SECRET), verify_token=SecretStr("verify-me"),
    )  # fmt: skip
    settings.channels.sms = SmsSettings(
        enabled=True, api_url=provider_url, account_sid=TWILIO_SID,
        auth_token=SecretStr(TWILIO_TOKEN), from_number=SHOP_NUMBER,
    )  # fmt: skip
    return settings


def webhook_path(channel: ChannelName) -> str:
    return f"/webhooks/{channel}"


def signed_message(
    channel: ChannelName, sender: str, text: str, *, message_id: str | None = None
) -> SignedWebhook:
    """One shopper text message as the channel's provider would post it, signed."""
    if channel == "whatsapp":
        return whatsapp_text_webhook(
            WHATSAPP_SECRET, sender=sender, text=text, message_id=message_id
        )
    if channel == "messenger":
        return messenger_webhook(MESSENGER_SECRET, sender=sender, text=text, mid=message_id)
    url = f"{PUBLIC_URL}{webhook_path('sms')}"
    return twilio_sms_form(
        TWILIO_TOKEN, url, sender=sender, body=text, message_sid=message_id,
        to=SHOP_NUMBER, account_sid=TWILIO_SID,
    )  # fmt: skip


def sender_id(channel: ChannelName, n: int) -> str:
    """A distinct, valid sender id for shopper `n` of a channel."""
    if channel == "messenger":
        return str(6843220485000000 + n)
    if channel == "sms":
        return f"+1415555{n:04d}"
    return f"1650555{n:04d}"


def recipient(record: Recorded) -> str:
    """Who a request the fake provider accepted was addressed to."""
    body = record.body
    if record.provider == "twilio":
        return str(body.get("To", ""))
    if record.provider == "whatsapp":
        return str(body.get("to", ""))
    return str((body.get("recipient") or {}).get("id", ""))


def text_of(record: Recorded) -> str:
    """The words a delivered payload carries (for assertions on what shoppers read)."""
    if record.provider == "twilio":
        return str(record.body.get("Body", ""))
    return json.dumps(record.body, ensure_ascii=False)


def replies_by_recipient(provider: FakeProvider) -> dict[str, list[str]]:
    """What each shopper received, in order, counting only requests the fake accepted."""
    received: dict[str, list[str]] = defaultdict(list)
    for record in list(provider.requests):
        if 200 <= record.status < 300:
            received[recipient(record)].append(text_of(record))
    return dict(received)
