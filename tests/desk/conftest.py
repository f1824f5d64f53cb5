"""A whole shop for the desk tests: every channel on a fake provider over loopback, the web
chat, agents of two teams with API keys, and helpers to talk as a shopper and as an agent."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
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
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.desk.credentials import new_api_key
from assistant.retrieval.index import CatalogIndex
from assistant.store import Store
from assistant.store.models import ConversationRow
from assistant.testing.fake_provider import (
    FakeProvider,
    SignedWebhook,
    messenger_webhook,
    twilio_sms_form,
    whatsapp_text_webhook,
)
from tests.channels import conftest as channel_fixtures
from tests.channels.conftest import META_TOKEN, TWILIO_SID, TWILIO_TOKEN

provider_server = channel_fixtures.provider_server  # the fake provider on loopback
provider = channel_fixtures.provider
provider_url = channel_fixtures.provider_url

PUBLIC = "http://assistant.test"
WA_SECRET, FB_SECRET, IG_SECRET = "wa-app-secret", "fb-app-secret", "ig-app-secret"
SMS_URL = f"{PUBLIC}/webhooks/sms"
UNSURE = "can you engrave my initials on a bottle"  # a weak match: a low-confidence handoff
SURE = "merino socks"  # a strong match the bot answers itself


def desk_settings(tmp_path: Path, provider_url: str) -> Settings:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    settings.server.public_url = PUBLIC
    settings.handoff.min_confidence = 0.5  # below this the bot hands off ...
    settings.handoff.confident_similarity = 1.0  # ... and only a close match is confident
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
    return settings


@dataclass
class Shop:
    client: TestClient
    concierge: Concierge
    provider: FakeProvider
    keys: dict[str, str]  # agent username -> API key

    @property
    def store(self) -> Store:
        return self.concierge.store

    def as_agent(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[username]}"}

    def console(self, username: str, action: str, conversation_id: str, **body: Any) -> Any:
        """POST a console action as `username`; the response."""
        return self.client.post(
            f"/console/api/conversations/{conversation_id}/{action}",
            json=body,
            headers=self.as_agent(username),
        )

    def conversation(self, conversation_id: str) -> ConversationRow:
        found = self.store.get_conversation(conversation_id)
        assert found is not None
        return found


def add_agents(store: Store) -> dict[str, str]:
    """sam (sales), olga (orders), ada (admin of support); their API keys."""
    keys = {}
    for name, team, admin in (("sam", "sales", False), ("olga", "orders", False)):
        store.create_agent(name, team=team, display_name=name.title(), is_admin=admin)
        keys[name], key_hash = new_api_key()
        store.update_agent(name, api_key_hash=key_hash)
    store.create_agent("ada", team="support", display_name="Ada", is_admin=True)
    keys["ada"], key_hash = new_api_key()
    store.update_agent("ada", api_key_hash=key_hash)
    return keys


@pytest.fixture
def shop(
    demo_index: CatalogIndex,
    tmp_path: Path,
    provider: FakeProvider,
    provider_url: str,
) -> Iterator[Shop]:
    settings = desk_settings(tmp_path, provider_url)
    concierge = Concierge.from_settings(settings, demo_index)
    keys = add_agents(concierge.store)
    with TestClient(create_app(settings, concierge), follow_redirects=False) as client:
        yield Shop(client, concierge, provider, keys)


def webhook(channel: str, sender: str, text: str) -> SignedWebhook:
    """A signed inbound message from `sender` on `channel`."""
    if channel == "sms":
        return twilio_sms_form(TWILIO_TOKEN, SMS_URL, sender=sender, body=text)
    if channel == "whatsapp":
        return whatsapp_text_webhook(WA_SECRET, sender=sender, text=text)
    secret = FB_SECRET if channel == "messenger" else IG_SECRET
    platform = "messenger" if channel == "messenger" else "instagram"
    return messenger_webhook(secret, sender=sender, text=text, platform=platform)  # type: ignore[arg-type]


def recipient_of(body: dict[str, Any]) -> str:
    """Who a provider request was for, on any of the providers."""
    if "To" in body:
        return str(body["To"])
    if "to" in body:
        return str(body["to"])
    return str(body.get("recipient", {}).get("id", ""))


def text_of(body: dict[str, Any]) -> str:
    return str(body["Body"]) if "Body" in body else json.dumps(body)


def sent_to(provider: FakeProvider, sender: str) -> list[dict[str, Any]]:
    return [b for b in provider.sent() if recipient_of(b) == sender]


def wait_for_sends(
    provider: FakeProvider,
    sender: str,
    count: int,
    timeout: float = 30,
) -> list[dict[str, Any]]:
    """Wait until more than `count` requests went to `sender`; the new ones."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = sent_to(provider, sender)
        if len(sent) > count:
            time.sleep(0.3)  # a reply in several parts
            return sent_to(provider, sender)[count:]
        time.sleep(0.05)
    raise AssertionError(f"nothing more was sent to {sender}")


def wait_processed(store: Store, conversation_id: str, timeout: float = 30) -> None:
    """Wait until every inbound message of the conversation has had its turn."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = store.messages(conversation_id, limit=500)
        if rows and all(m.status == "processed" for m in rows if m.direction == "inbound"):
            return
        time.sleep(0.05)
    raise AssertionError("the turn did not finish")
