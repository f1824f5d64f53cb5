"""Messenger and Instagram against the channel contract."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar, Literal

from pydantic import SecretStr

from assistant.channels import InstagramAdapter, MessengerAdapter, Payload
from assistant.channels.settings import InstagramSettings, MessengerSettings, RetrySettings
from assistant.testing.fake_provider import SignedWebhook, messenger_webhook
from tests.channels.conftest import META_TOKEN
from tests.channels.contracts.suite import FAST, SECRET, ChannelContract


def _events(kind: str, *events: object) -> bytes:
    return json.dumps({"object": kind, "entry": [{"id": "1", "messaging": list(events)}]}).encode()


def wrong_shapes(kind: str) -> dict[str, bytes]:
    sender = {"id": "123"}
    return {
        "entry not a list": json.dumps({"object": kind, "entry": "x"}).encode(),
        "messaging not a list": json.dumps({"object": kind, "entry": [{"messaging": {}}]}).encode(),
        "event without sender": _events(kind, {"message": {"mid": "m", "text": "x"}}),
        "message without mid": _events(kind, {"sender": sender, "message": {"text": "x"}}),
        "message not an object": _events(kind, {"sender": sender, "message": "x"}),
        "postback without payload": _events(kind, {"sender": sender, "postback": {"title": "t"}}),
        "bad timestamp": _events(
            kind, {"sender": sender, "timestamp": [1], "message": {"mid": "m", "text": "x"}}
        ),
        "sender too long": _events(
            kind, {"sender": {"id": "9" * 300}, "message": {"mid": "m", "text": "x"}}
        ),
    }


def limits(
    payloads: list[Payload], text_ok: Callable[[str], bool], chips_on_text_only: bool
) -> None:
    for payload in payloads:
        assert payload.body["messaging_type"] == "RESPONSE"
        assert payload.body["recipient"]["id"]
        message = payload.body["message"]
        chips = message.get("quick_replies", [])
        assert len(chips) <= 13
        for chip in chips:
            assert len(chip["title"]) <= 20 and len(chip["payload"]) <= 1000
        if chips and chips_on_text_only:
            assert "text" in message
        if "text" in message:
            assert message["text"] and text_ok(message["text"])
            continue
        template = message["attachment"]["payload"]
        if template["template_type"] == "generic":
            assert 1 <= len(template["elements"]) <= 10
            for element in template["elements"]:
                assert len(element["title"]) <= 80 and len(element["subtitle"]) <= 80
                assert 1 <= len(element["buttons"]) <= 3
                assert all(len(b["title"]) <= 20 for b in element["buttons"])
        else:
            assert template["template_type"] == "button"
            assert len(template["text"]) <= 640 and 1 <= len(template["buttons"]) <= 3
            assert all(len(b["title"]) <= 20 for b in template["buttons"])


class TestMessengerContract(ChannelContract):
    id_prefix = "mid."
    platform: ClassVar[Literal["messenger", "instagram"]] = "messenger"
    extra_malformed: ClassVar[dict[str, bytes]] = wrong_shapes("page")

    def make_adapter(
        self,
        api_url: str,
        *,
        secret: str | None = SECRET,
        retry: RetrySettings = FAST,
        sleep: Callable[[float], Any] | None = None,
        token: str | None = None,
    ) -> MessengerAdapter:
        settings = MessengerSettings(
            enabled=True,
            api_url=api_url,
            access_token=SecretStr(token or META_TOKEN),
            app_secret=SecretStr(secret) if secret else None,
            verify_token=SecretStr("verify-me"),
            retry=retry,
        )
        return MessengerAdapter(settings, sleep=sleep)

    def signed(self, *, message_id: str, text: str, secret: str = SECRET) -> SignedWebhook:
        return messenger_webhook(secret, text=text, mid=message_id, platform=self.platform)

    def assert_within_limits(self, payloads: list[Payload]) -> None:
        limits(payloads, lambda text: len(text) <= 2000, chips_on_text_only=False)


class TestInstagramContract(TestMessengerContract):
    platform: ClassVar[Literal["messenger", "instagram"]] = "instagram"
    extra_malformed: ClassVar[dict[str, bytes]] = wrong_shapes("instagram")

    def make_adapter(
        self,
        api_url: str,
        *,
        secret: str | None = SECRET,
        retry: RetrySettings = FAST,
        sleep: Callable[[float], Any] | None = None,
        token: str | None = None,
    ) -> InstagramAdapter:
        settings = InstagramSettings(
            enabled=True,
            api_url=api_url,
            access_token=SecretStr(token or META_TOKEN),
            app_secret=SecretStr(secret) if secret else None,
            verify_token=SecretStr("verify-me"),
            retry=retry,
        )
        return InstagramAdapter(settings, sleep=sleep)

    def assert_within_limits(self, payloads: list[Payload]) -> None:
        limits(payloads, lambda text: len(text.encode()) <= 1000, chips_on_text_only=True)
