"""SMS specifics: Twilio's signature against its published vectors, compliance keywords,
status callbacks, GSM-7 and UCS-2 parts, the rendered text, TwiML and REST sends."""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl

import httpx
import pytest
from pydantic import SecretStr

from assistant.channels import EMPTY_TWIML, SendError, SignatureError, SmsAdapter, twiml
from assistant.channels.settings import SmsSettings
from assistant.channels.signing import twilio_signature
from assistant.channels.sms_segments import encoding_of, segment_count
from assistant.messages import Reply
from assistant.testing import fake_provider
from assistant.testing.fake_provider import FakeProvider, twilio_sms_form, twilio_status_form
from tests.channels.conftest import (
    TRACKED,
    TWILIO_SID,
    TWILIO_TOKEN,
    context,
    product,
    quick_replies,
)
from tests.channels.contracts.suite import sms_parts

URL = "https://concierge.example/webhooks/sms"
# Twilio's own test vector (twilio-python tests/unit/test_request_validator.py).
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}
DOC_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def sms(
    api_url: str = "https://api.twilio.example", token: str = TWILIO_TOKEN, **changes: object
) -> SmsAdapter:
    values: dict[str, object] = {
        "enabled": True,
        "api_url": api_url,
        "account_sid": TWILIO_SID,
        "auth_token": SecretStr(token),
        "from_number": "+15017122661",
    }
    values.update(changes)
    return SmsAdapter(SmsSettings.model_validate(values))


def form(**params: str) -> bytes:
    return "&".join(f"{k}={v}" for k, v in params.items()).encode()


class TestSignature:
    def test_twilios_published_vector(self) -> None:
        assert twilio_signature(SecretStr("12345"), DOC_URL, DOC_PARAMS.items()) == DOC_SIGNATURE
        assert fake_provider.twilio_signature("12345", DOC_URL, DOC_PARAMS) == DOC_SIGNATURE

    def test_repeated_parameters_vector(self) -> None:
        params = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
        assert (
            twilio_signature(SecretStr("12345"), DOC_URL, params) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        )

    def test_verify_accepts_the_vector(self) -> None:
        body = "&".join(f"{k}={v.replace('+', '%2B')}" for k, v in DOC_PARAMS.items()).encode()
        sms(token="12345").verify({"X-Twilio-Signature": DOC_SIGNATURE}, body, DOC_URL)

    @pytest.mark.parametrize(
        ("url", "signature"),
        [
            ("https://mycompany.com:1234/myapp.php?foo=1&bar=2", DOC_SIGNATURE),  # port dropped
            (DOC_URL, "kvajT1Ptam85bY51eRf/AJRuM3w="),  # Twilio signed https://...:443/...
        ],
    )
    def test_the_port_is_tried_both_ways(self, url: str, signature: str) -> None:
        body = "&".join(f"{k}={v.replace('+', '%2B')}" for k, v in DOC_PARAMS.items()).encode()
        sms(token="12345").verify({"X-Twilio-Signature": signature}, body, url)

    def test_the_url_is_part_of_the_signature(self) -> None:
        hook = twilio_sms_form(TWILIO_TOKEN, URL, body="hi")
        with pytest.raises(SignatureError):
            sms().verify(hook.headers, hook.body, URL + "?retry=1")


class TestKeywords:
    @pytest.mark.parametrize(
        "word",
        [
            "STOP",
            "stop",
            " Stop \n",
            "STOPALL",
            "unsubscribe",
            "END",
            "quit",
            "Revoke",
            "OPTOUT",
            "cancel",
        ],
    )
    def test_opt_out(self, word: str) -> None:
        hook = twilio_sms_form(
            TWILIO_TOKEN, URL, body=word, message_sid="SMstop", sender="+14155550100"
        )
        parsed = sms().parse(hook.headers, hook.body)
        assert parsed.messages == []
        (signal,) = parsed.signals
        assert (signal.kind, signal.sender, signal.provider_message_id) == (
            "opt_out",
            "+14155550100",
            "SMstop",
        )
        assert signal.reply_text is None

    @pytest.mark.parametrize("word", ["START", "unstop", " Start "])
    def test_opt_in(self, word: str) -> None:
        hook = twilio_sms_form(TWILIO_TOKEN, URL, body=word)
        assert [s.kind for s in sms().parse(hook.headers, hook.body).signals] == ["opt_in"]

    def test_help_answers_with_the_brands_help_text(self) -> None:
        hook = twilio_sms_form(TWILIO_TOKEN, URL, body="help")
        (signal,) = (
            sms(help_text="Cairn & Compass: reply STOP to opt out.")
            .parse(hook.headers, hook.body)
            .signals
        )
        assert (signal.kind, signal.reply_text) == (
            "help",
            "Cairn & Compass: reply STOP to opt out.",
        )

    @pytest.mark.parametrize(
        "text", ["stop sending me jackets", "Can you help?", "STOP!", "start over"]
    )
    def test_only_the_whole_message_counts(self, text: str) -> None:
        hook = twilio_sms_form(TWILIO_TOKEN, URL, body=text)
        parsed = sms().parse(hook.headers, hook.body)
        assert parsed.signals == [] and [m.text for m in parsed.messages] == [text]

    def test_twilios_opt_out_type_is_honoured(self) -> None:
        hook = twilio_sms_form(TWILIO_TOKEN, URL, body="Arret", extra={"OptOutType": "STOP"})
        assert [s.kind for s in sms().parse(hook.headers, hook.body).signals] == ["opt_out"]


class TestParse:
    def test_an_incoming_sms(self) -> None:
        hook = twilio_sms_form(
            TWILIO_TOKEN,
            URL,
            sender="+14155550100",
            body="Do you ship to Canada?",
            message_sid="SM123",
        )
        (message,) = sms().parse(hook.headers, hook.body).messages
        assert (message.channel, message.sender, message.text, message.provider_message_id) == (
            "sms",
            "+14155550100",
            "Do you ship to Canada?",
            "SM123",
        )

    def test_a_picture_without_text_is_skipped(self) -> None:
        hook = twilio_sms_form(TWILIO_TOKEN, URL, body="", extra={"NumMedia": "1"})
        parsed = sms().parse(hook.headers, hook.body)
        assert (
            parsed.messages == [] and parsed.skipped[0].reason == "a picture message with no text"
        )

    def test_a_status_callback(self) -> None:
        hook = twilio_status_form(TWILIO_TOKEN, URL, message_sid="SMout", status="delivered")
        (update,) = sms().parse(hook.headers, hook.body).statuses
        assert (update.provider_message_id, update.status, update.recipient, update.error) == (
            "SMout",
            "delivered",
            "+14155550100",
            None,
        )

    def test_an_undelivered_status_says_why(self) -> None:
        hook = twilio_status_form(
            TWILIO_TOKEN, URL, message_sid="SMout", status="undelivered", error_code="30003"
        )
        (update,) = sms().parse(hook.headers, hook.body).statuses
        assert (update.status, update.error) == ("failed", "30003: error")

    def test_a_status_we_do_not_track_is_skipped(self) -> None:
        parsed = sms().parse({}, form(MessageSid="SM1", MessageStatus="received"))
        assert parsed.statuses == [] and parsed.skipped[0].reason == "MessageStatus 'received'"


class TestSegments:
    @pytest.mark.parametrize(
        ("text", "encoding", "parts"),
        [
            ("a" * 160, "GSM-7", 1),
            ("a" * 161, "GSM-7", 2),
            ("a" * 306, "GSM-7", 2),
            ("a" * 307, "GSM-7", 3),
            ("a" * 459, "GSM-7", 3),
            ("a" * 460, "GSM-7", 4),
            ("é" * 160, "GSM-7", 1),  # é is in the GSM-7 basic table
            ("€" * 80, "GSM-7", 1),  # extension characters take two septets
            ("€" * 81, "GSM-7", 2),
            ("a" * 152 + "€" + "a" * 153, "GSM-7", 3),  # the € is not split: it opens part 2
            ("ā" * 70, "UCS-2", 1),
            ("ā" * 71, "UCS-2", 2),
            ("ā" * 134, "UCS-2", 2),
            ("ā" * 135, "UCS-2", 3),
            ("a" * 69 + "\u2019", "UCS-2", 1),  # one curly apostrophe makes it all UCS-2
            ("a" * 70 + "\u2019", "UCS-2", 2),
            ("😀" * 35, "UCS-2", 1),  # an emoji is two UTF-16 units
            ("😀" * 36, "UCS-2", 2),
            (
                "a" * 66 + "😀" + "a" * 66,
                "UCS-2",
                3,
            ),  # the emoji moves to part 2, which then overflows
        ],
    )
    def test_exact_part_counts(self, text: str, encoding: str, parts: int) -> None:
        assert encoding_of(text).name == encoding
        assert segment_count(text) == parts
        assert sms_parts(text) == parts  # the tests' own count agrees


class TestRender:
    def _body(self, reply: Reply, *, emoji: bool = False, **settings: object) -> str:
        adapter = SmsAdapter(sms().settings.model_copy(update=settings))
        (payload,) = adapter.render(reply, context(emoji=emoji))
        return str(payload.body["Body"])

    def test_a_long_gsm_text_fills_three_parts_and_ends_with_dots(self) -> None:
        body = self._body(Reply(text="Lightweight and warm. " * 60))
        assert encoding_of(body).name == "GSM-7" and segment_count(body) == 3
        assert body.endswith("...") and not body.endswith("....") and len(body) > 430

    def test_a_long_ucs2_text_fills_three_smaller_parts(self) -> None:
        body = self._body(Reply(text="Warm 🔥 and light. " * 40), emoji=True)
        assert encoding_of(body).name == "UCS-2" and segment_count(body) == 3
        assert body.endswith("…") and len(body.encode("utf-16-le")) // 2 <= 201

    def test_typographic_punctuation_becomes_gsm(self) -> None:
        text = "It\u2019s \u201cpackable\u201d \u2014 about 300 g\u2026 " * 10
        assert encoding_of(self._body(Reply(text=text))).name == "GSM-7"
        assert encoding_of(self._body(Reply(text=text), plain_punctuation=False)).name == "UCS-2"

    def test_emoji_are_dropped_where_the_style_says_so(self) -> None:
        assert self._body(Reply(text="Great pick 🏕️ for rain"), emoji=False) == "Great pick for rain"

    def test_one_part_when_configured(self) -> None:
        body = self._body(Reply(text="word " * 100), max_segments=1)
        assert len(body) <= 160 and segment_count(body) == 1

    def test_markdown_becomes_plain_text(self) -> None:
        body = self._body(
            Reply(text="## Pick\n**Alpine** is _great_: [see it](https://shop.example/a)")
        )
        assert body == "Pick\nAlpine is great: see it: https://shop.example/a"

    def test_options_are_numbered_and_products_short_lines(self) -> None:
        links: list[str] = []
        reply = Reply(
            text="Two good ones:",
            products=[product(1), product(3)],
            quick_replies=quick_replies(3),
            checkout_url="https://shop.example/cart/41:1",
        )
        (payload,) = sms().render(reply, context(links=links))
        assert payload.body["Body"] == (
            "Two good ones:\n\n"
            "#1 Alpine Shell Waterproof... - $130.00\n"
            "#2 Alpine Shell Waterproof... - $132.00, sold out\n"
            f"Checkout: {TRACKED}\n"
            "Reply 1 for Sizes, 2 for Colors or 3 for Compare the two lightest."
        )
        assert links == ["https://shop.example/cart/41:1"]

    def test_options_and_checkout_survive_a_text_that_is_too_long(self) -> None:
        reply = Reply(
            text="Long story. " * 400,
            quick_replies=quick_replies(4),
            checkout_url="https://shop.example/cart/1:1",
        )
        body = self._body(reply)
        assert segment_count(body) <= 3
        assert body.endswith(
            "Reply 1 for Sizes, 2 for Colors, 3 for Compare the two lightest or 4 for Shipping."
        )
        prose, tail = body.split("\n\n")
        assert prose.startswith("Long story. Long story.") and prose.endswith("...")
        assert tail.startswith(f"Checkout: {TRACKED}\n")

    def test_the_sender_and_status_callback(self) -> None:
        adapter = sms(
            messaging_service_sid="MG123",
            status_callback_url="https://concierge.example/webhooks/sms/status",
        )
        (payload,) = adapter.render(Reply(text="Hi"), context("+14155550100"))
        assert payload.body == {
            "To": "+14155550100",
            "Body": "Hi",
            "MessagingServiceSid": "MG123",
            "StatusCallback": "https://concierge.example/webhooks/sms/status",
        }


class TestTwiml:
    def test_the_empty_response(self) -> None:
        assert twiml() == EMPTY_TWIML == '<?xml version="1.0" encoding="UTF-8"?><Response/>'

    def test_messages_are_escaped(self) -> None:
        document = twiml("Fish & <chips>", "Second")
        assert document.startswith('<?xml version="1.0" encoding="UTF-8"?><Response>')
        assert document.endswith(
            "<Message>Fish &amp; &lt;chips&gt;</Message><Message>Second</Message></Response>"
        )


class TestSend:
    @pytest.mark.anyio
    async def test_a_form_post_with_basic_auth(
        self, provider: FakeProvider, provider_url: str
    ) -> None:
        adapter = sms(provider_url)
        (payload,) = adapter.render(Reply(text="Your jacket ships today."), context("+14155550100"))
        async with httpx.AsyncClient() as client:
            result = await adapter.send(payload, client)
        (request,) = provider.requests
        assert request.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        expected = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        assert request.headers["authorization"] == f"Basic {expected}"
        assert request.body == {
            "To": "+14155550100",
            "From": "+15017122661",
            "Body": "Your jacket ships today.",
        }
        assert result.provider_message_id.startswith("SM") and len(result.provider_message_id) == 34

    @pytest.mark.anyio
    async def test_an_opted_out_recipient_is_not_retried(
        self, provider: FakeProvider, provider_url: str
    ) -> None:
        provider.fail_next(400, code=21610)
        adapter = sms(provider_url)
        (payload,) = adapter.render(Reply(text="Hi"), context("+14155550100"))
        async with httpx.AsyncClient() as client:
            with pytest.raises(SendError, match="opted out") as raised:
                await adapter.send(payload, client)
        assert (raised.value.retryable, raised.value.code) == (False, "21610")


def test_a_form_keeps_a_plus_sign() -> None:
    hook = twilio_sms_form(TWILIO_TOKEN, URL, sender="+14155550100", body="1 + 1")
    assert dict(parse_qsl(hook.body.decode()))["From"] == "+14155550100"
    (message,) = sms().parse(hook.headers, hook.body).messages
    assert (message.sender, message.text) == ("+14155550100", "1 + 1")
