"""Messenger and Instagram specifics: events parse reads, the HUMAN_AGENT tag and the windows,
cards, and Instagram's tighter limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from assistant.channels import (
    InstagramAdapter,
    MessengerAdapter,
    WebhookParseError,
    WindowClosedError,
)
from assistant.channels.settings import InstagramSettings, MessengerSettings
from assistant.messages import Reply
from assistant.testing.fake_provider import messenger_webhook
from tests.channels.conftest import TRACKED, context, product, quick_replies

SECRET = "app-secret"
SECRETS = {
    "enabled": True,
    "access_token": SecretStr("page-token"),
    "app_secret": SecretStr(SECRET),
    "verify_token": SecretStr("verify-me"),
}


def messenger() -> MessengerAdapter:
    return MessengerAdapter(MessengerSettings.model_validate(SECRETS))


def instagram() -> InstagramAdapter:
    return InstagramAdapter(InstagramSettings.model_validate(SECRETS))


def events(kind: str, *items: dict[str, object]) -> bytes:
    return json.dumps(
        {"object": kind, "entry": [{"id": "PAGE", "time": 1, "messaging": list(items)}]}
    ).encode()


USER = {"sender": {"id": "PSID-1"}, "recipient": {"id": "PAGE"}, "timestamp": 1458692752478}


class TestParse:
    def test_a_text_message(self) -> None:
        hook = messenger_webhook(
            SECRET, sender="PSID-1", text="Hi", mid="m_1", timestamp_ms=1458692752478
        )
        (message,) = messenger().parse(hook.headers, hook.body).messages
        assert (message.channel, message.sender, message.text, message.provider_message_id) == (
            "messenger",
            "PSID-1",
            "Hi",
            "m_1",
        )
        assert message.received_at == datetime.fromtimestamp(1458692752.478, UTC)

    def test_a_tapped_quick_reply_carries_its_payload(self) -> None:
        hook = messenger_webhook(SECRET, text="Colors", quick_reply="opt-2:Colors")
        (message,) = messenger().parse(hook.headers, hook.body).messages
        assert (message.text, message.quick_reply) == ("Colors", "opt-2:Colors")

    def test_a_postback(self) -> None:
        hook = messenger_webhook(
            SECRET, postback=("Tell me more", "Tell me about Alpine"), mid="m_pb"
        )
        (message,) = messenger().parse(hook.headers, hook.body).messages
        assert (message.text, message.quick_reply, message.provider_message_id) == (
            "Tell me more",
            "Tell me about Alpine",
            "m_pb",
        )

    def test_a_postback_without_mid_gets_a_stable_id(self) -> None:
        body = events("page", USER | {"postback": {"title": "More", "payload": "MORE"}})
        first, second = (messenger().parse({}, body).messages[0] for _ in range(2))
        assert (
            first.provider_message_id
            == second.provider_message_id
            == "postback:PSID-1:1458692752478"
        )

    def test_echoes_are_skipped(self) -> None:
        hook = messenger_webhook(SECRET, text="We said this", is_echo=True, mid="m_echo")
        parsed = messenger().parse(hook.headers, hook.body)
        assert parsed.messages == [] and parsed.skipped[0].provider_message_id == "m_echo"

    def test_deliveries_and_reads_are_status_updates(self) -> None:
        body = events(
            "page",
            USER | {"delivery": {"mids": ["mid.1", "mid.2"], "watermark": 1458668856253}},
            USER | {"read": {"watermark": 1458668856253}},
        )
        updates = messenger().parse({}, body).statuses
        assert [(u.provider_message_id, u.status) for u in updates] == [
            ("mid.1", "delivered"),
            ("mid.2", "delivered"),
            (None, "read"),
        ]
        assert updates[2].timestamp == datetime.fromtimestamp(1458668856.253, UTC)
        assert {u.recipient for u in updates} == {"PSID-1"}

    def test_an_instagram_read_names_the_message(self) -> None:
        body = events("instagram", USER | {"read": {"mid": "aWdf..."}})
        (update,) = instagram().parse({}, body).statuses
        assert (update.provider_message_id, update.status) == ("aWdf...", "read")

    def test_attachments_are_skipped_with_the_reason(self) -> None:
        body = events(
            "page",
            USER | {"message": {"mid": "m_img", "attachments": [{"type": "image", "payload": {}}]}},
        )
        parsed = messenger().parse({}, body)
        assert parsed.messages == [] and "['image']" in parsed.skipped[0].reason

    def test_an_instagram_webhook_is_not_a_messenger_one(self) -> None:
        hook = messenger_webhook(SECRET, platform="instagram")
        with pytest.raises(WebhookParseError, match="object must be 'page'"):
            messenger().parse(hook.headers, hook.body)
        assert instagram().parse(hook.headers, hook.body).messages[0].channel == "instagram"


class TestWindows:
    def test_the_assistant_answers_as_a_response(self) -> None:
        (payload,) = messenger().render(Reply(text="Hi"), context("PSID-1"))
        assert payload.body == {
            "recipient": {"id": "PSID-1"},
            "messaging_type": "RESPONSE",
            "message": {"text": "Hi"},
        }

    def test_a_human_agent_reply_is_tagged(self) -> None:
        (payload,) = messenger().render(
            Reply(text="Hi, Sam here"), context(human_agent=True, hours_since_inbound=72)
        )
        assert (payload.body["messaging_type"], payload.body["tag"]) == (
            "MESSAGE_TAG",
            "HUMAN_AGENT",
        )

    def test_a_human_agent_has_seven_days(self) -> None:
        with pytest.raises(WindowClosedError, match="7 days"):
            messenger().render(
                Reply(text="Sorry for the wait"),
                context(human_agent=True, hours_since_inbound=7 * 24 + 1),
            )

    def test_the_assistant_has_24_hours(self) -> None:
        with pytest.raises(WindowClosedError, match="24 hours"):
            instagram().render(Reply(text="Still there?"), context(hours_since_inbound=25))


class TestRender:
    def test_products_are_cards_with_a_tracked_buy_button(self) -> None:
        links: list[str] = []
        _, cards = messenger().render(
            Reply(text="Two picks", products=[product(1), product(3)]), context(links=links)
        )
        elements = cards.body["message"]["attachment"]["payload"]["elements"]
        assert elements[0]["title"] == "Alpine Shell Waterproof Jacket, Edition 1"
        assert elements[1]["subtitle"] == "$132.00, sold out · Packable, 20k waterproof rating"
        assert elements[0]["image_url"] == "https://shop.example/img/alpine-1.jpg"
        buy, more = elements[0]["buttons"]
        assert buy == {"type": "web_url", "url": TRACKED, "title": "Buy"}
        assert (
            more["type"] == "postback"
            and more["payload"] == "Tell me about Alpine Shell Waterproof Jacket, Edition 1"
        )
        assert links == [
            "https://shop.example/products/alpine-1",
            "https://shop.example/products/alpine-3",
        ]

    def test_more_than_ten_products_are_listed_in_the_text(self) -> None:
        reply = Reply(text="Lots", products=[product(n) for n in range(1, 13)])
        text, cards = messenger().render(reply, context())
        assert len(cards.body["message"]["attachment"]["payload"]["elements"]) == 10
        assert text.body["message"]["text"] == (
            "Lots\n\n#11 Alpine Shell Waterproof Jacket, Edition 11 - $140.00\n"
            "#12 Alpine Shell Waterproof Jacket, Edition 12 - $141.00, sold out"
        )

    def test_quick_replies_ride_on_the_last_message(self) -> None:
        reply = Reply(
            text="Ready?",
            quick_replies=quick_replies(2),
            checkout_url="https://shop.example/cart/1:1",
        )
        text, checkout = messenger().render(reply, context())
        assert "quick_replies" not in text.body["message"]
        chips = checkout.body["message"]["quick_replies"]
        assert [c["payload"] for c in chips] == [q.payload for q in quick_replies(2)]
        assert checkout.body["message"]["attachment"]["payload"]["buttons"][0]["url"] == TRACKED

    def test_past_thirteen_quick_replies_the_rest_are_numbered(self) -> None:
        (payload,) = messenger().render(
            Reply(text="Pick", quick_replies=quick_replies(15)), context()
        )
        message = payload.body["message"]
        assert len(message["quick_replies"]) == 13
        assert message["text"] == "Pick\n\nReply 14 for Men or 15 for Accessories."


class TestInstagramLimits:
    def test_text_is_split_by_bytes_not_characters(self) -> None:
        text = " ".join(["crème brûlée"] * 200)  # 2,599 characters, 3,199 bytes
        payloads = instagram().render(Reply(text=text), context())
        sizes = [len(p.body["message"]["text"].encode()) for p in payloads]
        assert len(payloads) == 4 and max(sizes) <= 1000
        assert " ".join(p.body["message"]["text"] for p in payloads) == text
        assert len(messenger().render(Reply(text=text), context())) == 2  # 2,000 characters there

    def test_quick_replies_go_on_a_text_message(self) -> None:
        reply = Reply(
            text="Ready?",
            quick_replies=quick_replies(2),
            checkout_url="https://shop.example/cart/1:1",
        )
        payloads = instagram().render(reply, context())
        assert [p.kind for p in payloads] == ["text", "button_template", "text"]
        assert payloads[-1].body["message"]["text"] == "Pick one:"
        assert len(payloads[-1].body["message"]["quick_replies"]) == 2
        assert "quick_replies" not in payloads[1].body["message"]

    def test_the_send_url_is_the_configured_account(self) -> None:
        settings = InstagramSettings.model_validate(
            SECRETS | {"api_url": "https://graph.instagram.com", "page_id": "17841400000000"}
        )
        assert (
            InstagramAdapter(settings).messages_url
            == "https://graph.instagram.com/v25.0/17841400000000/messages"
        )
