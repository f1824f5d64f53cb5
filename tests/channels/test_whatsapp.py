"""WhatsApp specifics: the verify handshake, what parse reads, the window and its template,
buttons versus lists, and Graph error codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from assistant.channels import (
    SignatureError,
    UncertainSendError,
    WhatsAppAdapter,
    WindowClosedError,
)
from assistant.channels.meta import graph_error
from assistant.channels.settings import WhatsAppSettings, WhatsAppTemplate
from assistant.messages import QuickReply, Reply
from assistant.testing.fake_provider import (
    FakeProvider,
    whatsapp_reply_webhook,
    whatsapp_status_webhook,
    whatsapp_text_webhook,
    whatsapp_webhook,
)
from tests.channels.conftest import (
    META_TOKEN,
    SENTENCE,
    TRACKED,
    busy_reply,
    context,
    product,
    quick_replies,
)

SECRET = "app-secret"
TEMPLATE = WhatsAppTemplate(name="reengage_v1", language="en_US", body_parameters=["Juniper"])


def adapter(api_url: str = "https://graph.example", **changes: object) -> WhatsAppAdapter:
    values: dict[str, object] = {
        "enabled": True,
        "api_url": api_url,
        "phone_number_id": "106540352242922",
        "access_token": SecretStr(META_TOKEN),
        "app_secret": SecretStr(SECRET),
        "verify_token": SecretStr("verify-me"),
    }
    values.update(changes)
    return WhatsAppAdapter(WhatsAppSettings.model_validate(values))


class TestHandshake:
    def test_the_challenge_comes_back_when_the_token_matches(self) -> None:
        params = {
            "hub.mode": "subscribe",
            "hub.verify_token": "verify-me",
            "hub.challenge": "1158201444",
        }
        assert adapter().verify_subscription(params) == "1158201444"

    @pytest.mark.parametrize(
        "params",
        [
            {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
            {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me", "hub.challenge": "1"},
            {"hub.mode": "subscribe", "hub.challenge": "1"},
            {"hub.mode": "subscribe", "hub.verify_token": "verify-me"},
        ],
        ids=["wrong token", "wrong mode", "no token", "no challenge"],
    )
    def test_anything_else_is_refused(self, params: dict[str, str]) -> None:
        with pytest.raises(SignatureError):
            adapter().verify_subscription(params)

    def test_a_verify_token_is_required(self) -> None:
        with pytest.raises(Exception, match="verify_token is required"):
            adapter(verify_token=None)


class TestParse:
    def test_a_text_message(self) -> None:
        hook = whatsapp_text_webhook(
            SECRET, sender="16505551234", text="Hi", message_id="wamid.A", timestamp=1739321024
        )
        (message,) = adapter().parse(hook.headers, hook.body).messages
        assert (message.channel, message.sender, message.text) == ("whatsapp", "16505551234", "Hi")
        assert message.provider_message_id == "wamid.A"
        assert message.received_at == datetime.fromtimestamp(1739321024, UTC)
        assert message.quick_reply is None

    @pytest.mark.parametrize("kind", ["button_reply", "list_reply"])
    def test_a_tap_on_a_button_or_row_carries_its_payload(self, kind: str) -> None:
        hook = whatsapp_reply_webhook(SECRET, reply_id="opt-2:Colors", title="Colors", kind=kind)  # type: ignore[arg-type]
        (message,) = adapter().parse(hook.headers, hook.body).messages
        assert (message.text, message.quick_reply) == ("Colors", "opt-2:Colors")

    def test_a_template_quick_reply_button(self) -> None:
        tap = {
            "from": "1",
            "id": "wamid.B",
            "type": "button",
            "button": {"payload": "RESUME", "text": "Yes, continue"},
        }
        hook = whatsapp_webhook(SECRET, messages=[tap])
        (message,) = adapter().parse(hook.headers, hook.body).messages
        assert (message.text, message.quick_reply) == ("Yes, continue", "RESUME")

    def test_other_types_are_skipped_with_the_reason(self) -> None:
        image = {"from": "1", "id": "wamid.C", "type": "image", "image": {"id": "media-1"}}
        hook = whatsapp_webhook(SECRET, messages=[image])
        parsed = adapter().parse(hook.headers, hook.body)
        assert parsed.messages == []
        (skipped,) = parsed.skipped
        assert "unsupported message type 'image'" in skipped.reason
        assert (skipped.provider_message_id, skipped.sender) == ("wamid.C", "1")

    def test_a_shopper_without_a_phone_number_is_known_by_user_id(self) -> None:
        message = {"id": "wamid.D", "type": "text", "text": {"body": "hey"}}
        body = json.loads(whatsapp_webhook(SECRET, messages=[message]).body)
        body["entry"][0]["changes"][0]["value"]["contacts"] = [
            {"user_id": "US.13491208655302741918"}
        ]
        (parsed,) = adapter().parse({}, json.dumps(body).encode()).messages
        assert parsed.sender == "US.13491208655302741918"

    def test_statuses(self) -> None:
        hook = whatsapp_status_webhook(SECRET, message_id="wamid.OUT", status="read")
        (update,) = adapter().parse(hook.headers, hook.body).statuses
        assert (update.provider_message_id, update.status, update.recipient) == (
            "wamid.OUT",
            "read",
            "16505551234",
        )

    def test_a_failed_status_says_why(self) -> None:
        errors = [
            {
                "code": 131047,
                "title": "Re-engagement message",
                "error_data": {"details": "More than 24 hours have passed"},
            }
        ]
        hook = whatsapp_status_webhook(
            SECRET, message_id="wamid.OUT", status="failed", errors=errors
        )
        (update,) = adapter().parse(hook.headers, hook.body).statuses
        assert update.status == "failed"
        assert update.error == "131047: More than 24 hours have passed"

    def test_an_unknown_status_is_skipped(self) -> None:
        hook = whatsapp_status_webhook(SECRET, message_id="wamid.OUT", status="warning")
        parsed = adapter().parse(hook.headers, hook.body)
        assert parsed.statuses == [] and parsed.skipped[0].reason == "status 'warning'"


class TestWindow:
    def test_outside_24_hours_only_the_template_goes(self) -> None:
        payloads = adapter(template=TEMPLATE).render(busy_reply(), context(hours_since_inbound=25))
        (payload,) = payloads
        assert payload.is_template
        assert payload.body["type"] == "template"
        assert payload.body["template"] == {
            "name": "reengage_v1",
            "language": {"code": "en_US"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "Juniper"}]}],
        }

    def test_a_shopper_who_never_wrote_gets_the_template_too(self) -> None:
        (payload,) = adapter(template=TEMPLATE).render(
            Reply(text="Hi"), context(hours_since_inbound=None)
        )
        assert payload.is_template

    def test_without_a_template_nothing_may_go(self) -> None:
        with pytest.raises(WindowClosedError, match="template"):
            adapter().render(Reply(text="Hi"), context(hours_since_inbound=24.01))

    def test_inside_the_window_no_template(self) -> None:
        payloads = adapter(template=TEMPLATE).render(
            Reply(text="Hi"), context(hours_since_inbound=23.9)
        )
        assert [p.kind for p in payloads] == ["text"] and not payloads[0].is_template


class TestRender:
    def test_up_to_three_options_are_reply_buttons_under_the_text(self) -> None:
        reply = Reply(text="Which size?", quick_replies=quick_replies(3))
        (payload,) = adapter().render(reply, context())
        interactive = payload.body["interactive"]
        assert (payload.kind, interactive["type"]) == ("buttons", "button")
        assert interactive["body"]["text"] == "Which size?"
        assert [b["reply"]["id"] for b in interactive["action"]["buttons"]] == [
            q.payload for q in quick_replies(3)
        ]
        assert [b["reply"]["title"] for b in interactive["action"]["buttons"]] == [
            "Sizes",
            "Colors",
            "Compare the two…",
        ]

    def test_more_options_become_a_list(self) -> None:
        (payload,) = adapter().render(Reply(text="Pick", quick_replies=quick_replies(6)), context())
        rows = payload.body["interactive"]["action"]["sections"][0]["rows"]
        assert payload.kind == "list" and len(rows) == 6

    def test_options_past_ten_are_numbered_text(self) -> None:
        reply = Reply(text="Pick", quick_replies=quick_replies(12))
        (payload,) = adapter().render(reply, context())
        interactive = payload.body["interactive"]
        assert len(interactive["action"]["sections"][0]["rows"]) == 10
        assert interactive["body"]["text"] == "Pick\n\nReply 11 for Sale or 12 for Kids."

    def test_numbered_style_writes_options_in_the_text(self) -> None:
        (payload,) = adapter().render(
            Reply(text="Pick", quick_replies=quick_replies(2)), context(options="numbered")
        )
        assert payload.kind == "text"
        assert payload.body["text"]["body"] == "Pick\n\nReply 1 for Sizes or 2 for Colors."

    def test_products_are_a_list_and_checkout_a_button(self) -> None:
        links: list[str] = []
        reply = Reply(
            text="Two picks:",
            products=[product(1), product(2)],
            checkout_url="https://shop.example/cart/1:1",
        )
        products, checkout = adapter().render(reply, context(links=links))
        rows = products.body["interactive"]["action"]["sections"][0]["rows"]
        assert [r["id"] for r in rows] == [
            "Tell me about Alpine Shell Waterproof Jacket, Edition 1",
            "Tell me about Alpine Shell Waterproof Jacket, Edition 2",
        ]
        assert rows[0]["title"] == "Alpine Shell Waterproof…"
        assert rows[0]["description"] == "$130.00 · Packable, 20k waterproof rating"
        assert products.body["interactive"]["body"]["text"] == "Two picks:"
        action = checkout.body["interactive"]["action"]
        assert action == {
            "name": "cta_url",
            "parameters": {"display_text": "Checkout", "url": TRACKED},
        }
        assert links == ["https://shop.example/cart/1:1"]

    def test_a_long_text_splits_at_words(self) -> None:
        text = (SENTENCE * 60)[:5000].strip()
        first, second = adapter().render(Reply(text=text), context(markdown=True))
        pieces = [first.body["text"]["body"], second.body["text"]["body"]]
        assert all(len(p) <= 4096 for p in pieces)
        assert pieces[0][-1] != " " and text[len(pieces[0])] == " "
        assert " ".join(pieces).split() == text.split()

    def test_markdown_is_stripped_where_it_does_not_render(self) -> None:
        (payload,) = adapter().render(
            Reply(text="## Hi\n**Bold** [shop](https://x.example)"), context()
        )
        assert payload.body["text"]["body"] == "Hi\nBold shop: https://x.example"

    def test_a_user_id_recipient_goes_in_the_recipient_field(self) -> None:
        (payload,) = adapter().render(Reply(text="Hi"), context("US.13491208655302741918"))
        assert payload.body["recipient"] == "US.13491208655302741918" and "to" not in payload.body

    def test_an_empty_reply_sends_nothing(self) -> None:
        assert adapter().render(Reply(text=""), context()) == []


class TestSendErrors:
    @pytest.mark.parametrize(
        ("status", "code", "retryable"),
        [
            (400, 130429, True),
            (400, 131056, True),
            (400, 4, True),
            (400, 131047, False),
            (400, 100, False),
            (401, 190, False),
        ],
    )
    def test_graph_codes_decide_whether_to_retry(
        self, status: int, code: int, retryable: bool
    ) -> None:
        response = httpx.Response(
            status, json={"error": {"message": "x", "type": "OAuthException", "code": code}}
        )
        error = graph_error(response, "whatsapp")
        assert (error.retryable, error.code) == (retryable, str(code))

    @pytest.mark.parametrize(("status", "code"), [(500, 2), (500, 1), (503, 100), (400, 131000)])
    def test_answers_saying_nothing_was_sent_are_retried(self, status: int, code: int) -> None:
        response = httpx.Response(status, json={"error": {"message": "x", "code": code}})
        error = graph_error(response, "whatsapp")
        assert error.retryable and not isinstance(error, UncertainSendError)

    @pytest.mark.parametrize(("status", "code"), [(500, 100), (502, None), (504, None)])
    def test_other_5xx_answers_are_uncertain(self, status: int, code: int | None) -> None:
        body = {"error": {"message": "x", "code": code}} if code else None
        response = httpx.Response(status, json=body)
        error = graph_error(response, "whatsapp")
        assert isinstance(error, UncertainSendError) and not error.retryable

    def test_the_window_error_explains_itself(self) -> None:
        response = httpx.Response(
            400, json={"error": {"code": 131047, "error_data": {"details": "24h passed"}}}
        )
        assert "only a template may be sent" in str(graph_error(response, "whatsapp"))

    @pytest.mark.anyio
    async def test_a_throttled_answer_is_retried(
        self, provider: FakeProvider, provider_url: str, sleep: object
    ) -> None:
        provider.fail_next(400, code=130429)
        whatsapp = WhatsAppAdapter(adapter(provider_url).settings, sleep=sleep)  # type: ignore[arg-type]
        (payload,) = whatsapp.render(Reply(text="Hi"), context())
        async with httpx.AsyncClient() as client:
            result = await whatsapp.send(payload, client)
        assert result.attempts == 2
        sent = provider.sent("whatsapp")
        assert sent == [payload.body]
        assert provider.requests[-1].headers["authorization"] == f"Bearer {META_TOKEN}"
        assert provider.requests[-1].path == "/v25.0/106540352242922/messages"


def test_quick_reply_payloads_longer_than_a_button_id_are_cut() -> None:
    option = QuickReply(title="Yes", payload="p" * 200)
    (payload,) = adapter().render(Reply(text="Ok?", quick_replies=[option]), context())
    assert payload.body["interactive"]["action"]["buttons"][0]["reply"]["id"] == "p" * 200
