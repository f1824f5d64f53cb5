"""WhatsApp Cloud API against the channel contract."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import SecretStr

from assistant.channels import Payload, WhatsAppAdapter
from assistant.channels.settings import RetrySettings, WhatsAppSettings
from assistant.testing.fake_provider import SignedWebhook, whatsapp_text_webhook
from tests.channels.conftest import META_TOKEN
from tests.channels.contracts.suite import FAST, SECRET, ChannelContract


def _wa(entry: object) -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": entry}).encode()


def _messages(*messages: object) -> bytes:
    return _wa([{"changes": [{"field": "messages", "value": {"messages": list(messages)}}]}])


class TestWhatsAppContract(ChannelContract):
    id_prefix = "wamid."
    extra_malformed: ClassVar[dict[str, bytes]] = {
        "entry not a list": _wa({}),
        "changes not a list": _wa([{"changes": "x"}]),
        "value not an object": _wa([{"changes": [{"value": []}]}]),
        "message without id": _messages({"from": "1", "type": "text", "text": {"body": "x"}}),
        "message without sender": _messages({"id": "w1", "type": "text", "text": {"body": "x"}}),
        "text not an object": _messages({"id": "w", "from": "1", "type": "text", "text": "x"}),
        "text without body": _messages({"id": "w", "from": "1", "type": "text", "text": {}}),
        "bad timestamp": _messages(
            {"id": "w", "from": "1", "timestamp": "soon", "type": "text", "text": {"body": "x"}}
        ),
        "sender too long": _messages(
            {"id": "w", "from": "1" * 300, "type": "text", "text": {"body": "x"}}
        ),
        "status without id": _wa([{"changes": [{"value": {"statuses": [{"status": "read"}]}}]}]),
    }

    def make_adapter(
        self,
        api_url: str,
        *,
        secret: str | None = SECRET,
        retry: RetrySettings = FAST,
        sleep: Callable[[float], Any] | None = None,
        token: str | None = None,
    ) -> WhatsAppAdapter:
        settings = WhatsAppSettings(
            enabled=True,
            api_url=api_url,
            phone_number_id="106540352242922",
            access_token=SecretStr(token or META_TOKEN),
            app_secret=SecretStr(secret) if secret else None,
            verify_token=SecretStr("verify-me"),
            retry=retry,
        )
        return WhatsAppAdapter(settings, sleep=sleep)

    def signed(self, *, message_id: str, text: str, secret: str = SECRET) -> SignedWebhook:
        return whatsapp_text_webhook(secret, text=text, message_id=message_id)

    def assert_within_limits(self, payloads: list[Payload]) -> None:
        for payload in payloads:
            body = payload.body
            assert body["messaging_product"] == "whatsapp"
            if body["type"] == "text":
                assert 0 < len(body["text"]["body"]) <= 4096
                continue
            interactive = body["interactive"]
            assert len(interactive["body"]["text"]) <= 1024
            action = interactive["action"]
            if interactive["type"] == "button":
                assert 1 <= len(action["buttons"]) <= 3
                for button in action["buttons"]:
                    assert len(button["reply"]["title"]) <= 20
                    assert len(button["reply"]["id"]) <= 256
            elif interactive["type"] == "list":
                assert len(action["button"]) <= 20
                assert 1 <= len(action["sections"]) <= 10
                rows = [row for section in action["sections"] for row in section["rows"]]
                assert 1 <= len(rows) <= 10
                for section in action["sections"]:
                    assert len(section["title"]) <= 24
                for row in rows:
                    assert len(row["title"]) <= 24
                    assert len(row.get("description", "")) <= 72
                    assert len(row["id"]) <= 200
            else:
                assert interactive["type"] == "cta_url"
                assert len(action["parameters"]["display_text"]) <= 20
