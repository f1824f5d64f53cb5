"""Shoppers on every channel against one fake provider: settings, signed messages, and who got
what back. Shared by the reliability tests and the load benchmark (benchmarks/load.py).

    provider = channel_provider()
    with serve(provider) as provider_url:
        enable_channels(settings, provider_url)
        webhook = signed_message("whatsapp", "16505550001", "merino socks")
        client.post(webhook_path("whatsapp"), content=webhook.body, headers=webhook.headers)
        replies_by_recipient(provider)        # {"16505550001": ["Here's what I found..."]}
        audit_deliveries(store, provider)     # lost, duplicates, order: store vs provider

`audit_deliveries` matches payloads by digest, so it works as well with a provider built with
`channel_provider(compact=True)`, which keeps no bodies (for long soaks).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Literal

from pydantic import SecretStr
from sqlalchemy import select

from assistant.channels.settings import MessengerSettings, SmsSettings, WhatsAppSettings
from assistant.config import Settings
from assistant.store import Store
from assistant.store.models import MessageRow, OutboxItem
from assistant.testing.fake_provider import FakeProvider, Recorded, payload_digest
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


def channel_provider(*, compact: bool = False) -> FakeProvider:
    """A fake provider accepting the credentials `enable_channels` configures; `compact` keeps
    a digest per request instead of its body (see `FakeProvider`)."""
    return FakeProvider(
        meta_token=META_TOKEN, twilio_sid=TWILIO_SID, twilio_token=TWILIO_TOKEN, compact=compact
    )


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
    """Who a request the fake provider accepted was addressed to (kept even when compact)."""
    return record.to


def text_of(record: Recorded) -> str:
    """The words a delivered payload carries (for assertions on what shoppers read; a compact
    provider keeps no words)."""
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


@dataclass
class DeliveryAudit:
    """Every channel message checked against the store and the provider's record.

    `unanswered`: inbound messages of a conversation beyond its stored replies; `undelivered`:
    queued payloads the provider never accepted; `duplicates`: payloads it accepted more than
    once (or never queued); `out_of_order`: recipients whose deliveries differ in order from
    their queue. Payloads are told apart by `payload_digest`, per recipient.
    """

    inbound: int = 0
    replies: int = 0
    payloads: int = 0
    delivered: int = 0
    unanswered: int = 0
    undelivered: int = 0
    duplicates: int = 0
    out_of_order: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.unanswered + self.undelivered

    @property
    def exact(self) -> bool:
        """Every inbound answered, every payload delivered exactly once, in order."""
        return not (self.lost or self.duplicates or self.out_of_order)


def audit_deliveries(store: Store, provider: FakeProvider) -> DeliveryAudit:
    """Compare what shoppers sent, what the store answered and queued, and what was delivered."""
    with store.session(write=False) as session:
        messages = session.execute(
            select(MessageRow.conversation_id, MessageRow.direction).where(
                MessageRow.channel.in_(CHANNELS)
            )
        ).all()
        queued = session.execute(
            select(OutboxItem.recipient, OutboxItem.payload).order_by(OutboxItem.id)
        ).all()
    audit = DeliveryAudit()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for conversation_id, direction in messages:
        counts[conversation_id][direction == "outbound"] += 1
    audit.inbound = sum(c[0] for c in counts.values())
    audit.replies = sum(c[1] for c in counts.values())
    audit.unanswered = sum(max(0, c[0] - c[1]) for c in counts.values())
    expected: dict[str, list[str]] = defaultdict(list)
    for to, payload in queued:
        expected[to].append(payload_digest(payload["body"]))
    got: dict[str, list[str]] = defaultdict(list)
    for record in list(provider.requests):
        if 200 <= record.status < 300:
            got[record.to].append(record.digest)
    audit.payloads = sum(len(v) for v in expected.values())
    audit.delivered = sum(len(v) for v in got.values())
    for to in expected.keys() | got.keys():
        _compare(audit, to, expected.get(to, []), got.get(to, []))
    return audit


def _compare(audit: DeliveryAudit, to: str, want: list[str], have: list[str]) -> None:
    """Add one recipient's queued (`want`) and delivered (`have`) digests to `audit`.

    Counted per digest, not per recipient: a reply lost and another delivered twice to the
    same shopper would otherwise cancel out."""
    wanted, had = Counter(want), Counter(have)
    audit.undelivered += (wanted - had).total()
    audit.duplicates += (had - wanted).total()
    if have != want[: len(have)]:
        audit.out_of_order.append(to)
