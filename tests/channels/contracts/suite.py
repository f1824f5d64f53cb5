"""The contract every channel adapter passes. A channel's test class inherits `ChannelContract`
and says how to build its adapter, sign a webhook and check its provider's limits."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any, ClassVar

import httpx
import pytest

from assistant.brand.text import GSM7_BASIC
from assistant.channels import (
    ChannelAdapter,
    ChannelName,
    ParsedWebhook,
    Payload,
    SendError,
    SignatureError,
    UncertainSendError,
    WebhookParseError,
)
from assistant.channels.settings import RetrySettings
from assistant.errors import ConfigurationError
from assistant.messages import Reply
from assistant.testing.fake_provider import FakeProvider, SignedWebhook
from assistant.testing.loopback import free_port
from tests.channels.conftest import TRACKED, busy_reply, context

SECRET = "webhook-signing-secret"
WEBHOOK_URL = "https://concierge.example/webhooks/channel?brand=cairn"
FAST = RetrySettings(max_attempts=3, backoff_s=0.01, max_backoff_s=0.05, timeout_s=2.0)

MALFORMED: dict[str, bytes] = {
    "empty": b"",
    "whitespace": b" \n\t ",
    "binary garbage": b"\x00\xff\xfe garbage {",
    "truncated JSON": b'{"object": "page", "entry": [',
    "JSON list": b"[]",
    "JSON null": b"null",
    "JSON number": b"42",
    "wrong object": b'{"object": "something_else", "entry": []}',
    "3 MB of garbage": b"x" * (3 * 1024 * 1024),
    "2 MB JSON string": json.dumps({"object": "y" * 2_000_000}).encode(),
}


def strings(value: Any) -> list[str]:
    """Every string inside a payload body (keys excluded)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def mutations(body: bytes, seed: int = 7, count: int = 60) -> list[bytes]:
    """Truncations, byte flips and splices of a valid body (a small, repeatable fuzz)."""
    rng = random.Random(seed)
    found = [body[: rng.randrange(len(body))] for _ in range(count // 3)]
    for _ in range(count // 3):
        at = rng.randrange(len(body))
        found.append(body[:at] + bytes([rng.randrange(256)]) + body[at + 1 :])
    junk = [b'"', b"{", b"]", b"&", b"=", b"%", b"\\u00", b"null", b"-1e999"]
    for _ in range(count // 3):
        at = rng.randrange(len(body))
        found.append(body[:at] + rng.choice(junk) + body[at:])
    return found


class ChannelContract:
    """Inherit and fill in the four hooks; every test below then runs for that channel."""

    id_prefix: ClassVar[str]
    extra_malformed: ClassVar[dict[str, bytes]] = {}

    def make_adapter(
        self,
        api_url: str,
        *,
        secret: str | None = SECRET,
        retry: RetrySettings = FAST,
        sleep: Callable[[float], Any] | None = None,
        token: str | None = None,
    ) -> ChannelAdapter:
        raise NotImplementedError

    def signed(self, *, message_id: str, text: str, secret: str = SECRET) -> SignedWebhook:
        raise NotImplementedError

    def assert_within_limits(self, payloads: list[Payload]) -> None:
        raise NotImplementedError

    @pytest.fixture
    def adapter(self, provider_url: str, sleep: Callable[[float], Any]) -> ChannelAdapter:
        return self.make_adapter(provider_url, sleep=sleep)

    # -- verify -------------------------------------------------------------------------------

    def test_a_correctly_signed_body_verifies(self, adapter: ChannelAdapter) -> None:
        hook = self.signed(message_id="id-1", text="Hello there")
        adapter.verify(hook.headers, hook.body, WEBHOOK_URL)

    def test_a_tampered_body_is_rejected(self, adapter: ChannelAdapter) -> None:
        hook = self.signed(message_id="id-1", text="Hello there")
        tampered = hook.body.replace(b"Hello", b"Jello")
        assert tampered != hook.body
        with pytest.raises(SignatureError):
            adapter.verify(hook.headers, tampered, WEBHOOK_URL)

    def test_a_body_signed_with_another_secret_is_rejected(self, adapter: ChannelAdapter) -> None:
        hook = self.signed(message_id="id-1", text="Hello there", secret="someone-else")
        with pytest.raises(SignatureError, match="does not match"):
            adapter.verify(hook.headers, hook.body, WEBHOOK_URL)

    def test_a_missing_signature_header_is_rejected(self, adapter: ChannelAdapter) -> None:
        hook = self.signed(message_id="id-1", text="Hello there")
        unsigned = {k: v for k, v in hook.headers.items() if "signature" not in k.lower()}
        assert len(unsigned) == len(hook.headers) - 1
        with pytest.raises(SignatureError, match="missing"):
            adapter.verify(unsigned, hook.body, WEBHOOK_URL)

    def test_header_names_are_case_insensitive(self, adapter: ChannelAdapter) -> None:
        hook = self.signed(message_id="id-1", text="Hello there")
        adapter.verify({k.lower(): v for k, v in hook.headers.items()}, hook.body, WEBHOOK_URL)

    def test_a_missing_secret_fails_at_construction(self, provider_url: str) -> None:
        with pytest.raises(ConfigurationError, match="required"):
            self.make_adapter(provider_url, secret=None)

    # -- parse --------------------------------------------------------------------------------

    def test_parse_reads_the_message(self, adapter: ChannelAdapter) -> None:
        hook = self.signed(message_id="id-42", text="Do you have rain jackets?")
        parsed = adapter.parse(hook.headers, hook.body)
        assert [m.text for m in parsed.messages] == ["Do you have rain jackets?"]
        message = parsed.messages[0]
        assert message.channel == adapter.name
        assert message.provider_message_id == "id-42"
        assert message.sender

    def test_a_replayed_webhook_keeps_its_provider_message_id(
        self, adapter: ChannelAdapter
    ) -> None:
        hook = self.signed(message_id="id-replayed", text="Hello again")
        first = adapter.parse(hook.headers, hook.body)
        second = adapter.parse(hook.headers, hook.body)
        ids = [m.provider_message_id for m in first.messages]
        assert ids == ["id-replayed"]
        assert [m.provider_message_id for m in second.messages] == ids

    @pytest.mark.parametrize("name", sorted(MALFORMED))
    def test_malformed_bodies_raise_webhook_parse_error(
        self, adapter: ChannelAdapter, name: str
    ) -> None:
        with pytest.raises(WebhookParseError) as raised:
            adapter.parse({}, MALFORMED[name])
        assert str(raised.value)  # a reason a person can read

    def test_wrong_shapes_raise_webhook_parse_error(self, adapter: ChannelAdapter) -> None:
        assert self.extra_malformed, "each channel lists bodies of its own wrong shapes"
        for name, body in self.extra_malformed.items():
            with pytest.raises(WebhookParseError):
                adapter.parse({}, body)
                pytest.fail(f"{name} was accepted")

    def test_mangled_bodies_raise_nothing_but_webhook_parse_error(
        self, adapter: ChannelAdapter
    ) -> None:
        hook = self.signed(message_id="id-fuzz", text="Hello there")
        rejected = 0
        for body in mutations(hook.body):
            try:
                assert isinstance(adapter.parse({}, body), ParsedWebhook)
            except WebhookParseError:
                rejected += 1
        assert rejected > 0  # the fuzz did reach the error paths

    def test_a_huge_text_is_cut_to_fit_not_rejected(self, adapter: ChannelAdapter) -> None:
        hook = self.signed(message_id="id-long", text="a" * 10_000)
        (message,) = adapter.parse(hook.headers, hook.body).messages
        assert message.text == "a" * 4000

    # -- render -------------------------------------------------------------------------------

    def test_a_busy_reply_stays_within_the_providers_limits(self, adapter: ChannelAdapter) -> None:
        links: list[str] = []
        payloads = adapter.render(busy_reply(), context(links=links))
        assert payloads and all(p.channel == adapter.name for p in payloads)
        self.assert_within_limits(payloads)
        assert "https://shop.example/cart/41:1,42:2?ref=concierge" in links

    def test_no_option_is_lost(self, adapter: ChannelAdapter) -> None:
        reply = busy_reply()
        found = [s for p in adapter.render(reply, context()) for s in strings(p.body)]
        for option in reply.quick_replies:
            assert option.payload in found or any(option.title in s for s in found), option

    def test_the_checkout_link_is_the_tracked_one(self, adapter: ChannelAdapter) -> None:
        reply = Reply(text="Here you go.", checkout_url="https://shop.example/cart/41:1")
        found = [s for p in adapter.render(reply, context()) for s in strings(p.body)]
        assert any(TRACKED in s for s in found)
        assert not any("shop.example/cart" in s for s in found)

    def test_payloads_survive_an_outbox_round_trip(self, adapter: ChannelAdapter) -> None:
        for payload in adapter.render(busy_reply(), context()):
            assert Payload.model_validate_json(payload.model_dump_json()) == payload

    # -- send ---------------------------------------------------------------------------------

    def _payload(self, adapter: ChannelAdapter) -> Payload:
        return adapter.render(Reply(text="Hi! How can I help?"), context())[0]

    @pytest.mark.anyio
    async def test_send_delivers_and_returns_the_provider_id(
        self, adapter: ChannelAdapter, provider: FakeProvider
    ) -> None:
        async with httpx.AsyncClient() as client:
            result = await adapter.send(self._payload(adapter), client)
        assert result.provider_message_id.startswith(self.id_prefix)
        assert result.attempts == 1
        assert len(provider.sent()) == 1

    @pytest.mark.anyio
    async def test_send_retries_a_503_then_delivers(
        self, adapter: ChannelAdapter, provider: FakeProvider, sleeps: list[float]
    ) -> None:
        provider.fail_next(503)
        async with httpx.AsyncClient() as client:
            result = await adapter.send(self._payload(adapter), client)
        assert result.attempts == 2
        statuses = [r.status for r in provider.requests]
        assert statuses[0] == 503 and 200 <= statuses[1] < 300 and len(statuses) == 2
        assert len(sleeps) == 1 and 0 <= sleeps[0] <= FAST.backoff_s  # jittered backoff

    @pytest.mark.anyio
    async def test_a_4xx_is_not_retried(
        self, adapter: ChannelAdapter, provider: FakeProvider
    ) -> None:
        provider.fail_next(400)
        async with httpx.AsyncClient() as client:
            with pytest.raises(SendError) as raised:
                await adapter.send(self._payload(adapter), client)
        assert raised.value.retryable is False
        assert raised.value.status == 400
        assert len(provider.requests) == 1

    @pytest.mark.anyio
    async def test_a_429_waits_as_long_as_retry_after_says(
        self, adapter: ChannelAdapter, provider: FakeProvider, sleeps: list[float]
    ) -> None:
        provider.fail_next(429, retry_after="2")
        async with httpx.AsyncClient() as client:
            result = await adapter.send(self._payload(adapter), client)
        assert sleeps == [2.0]
        assert result.attempts == 2

    @pytest.mark.anyio
    async def test_a_long_retry_after_is_left_to_the_outbox(
        self, adapter: ChannelAdapter, provider: FakeProvider, sleeps: list[float]
    ) -> None:
        provider.fail_next(429, retry_after="3600")
        async with httpx.AsyncClient() as client:
            with pytest.raises(SendError) as raised:
                await adapter.send(self._payload(adapter), client)
        assert raised.value.retryable is True
        assert raised.value.retry_after_s == 3600
        assert sleeps == [] and len(provider.requests) == 1

    @pytest.mark.anyio
    async def test_retries_are_bounded(
        self, adapter: ChannelAdapter, provider: FakeProvider, sleeps: list[float]
    ) -> None:
        provider.fail_next(503, times=10)
        async with httpx.AsyncClient() as client:
            with pytest.raises(SendError) as raised:
                await adapter.send(self._payload(adapter), client)
        assert raised.value.retryable is True
        assert len(provider.requests) == FAST.max_attempts
        assert len(sleeps) == 2  # within windows that double, each wait drawn at random
        assert 0 <= sleeps[0] <= 0.01 and 0 <= sleeps[1] <= 0.02

    @pytest.mark.anyio
    async def test_a_timeout_after_the_provider_took_the_message_is_not_retried(
        self, provider_url: str, provider: FakeProvider, sleep: Callable[[float], Any]
    ) -> None:
        quick = RetrySettings(max_attempts=3, backoff_s=0, timeout_s=0.2)
        adapter = self.make_adapter(provider_url, retry=quick, sleep=sleep)
        provider.accept_then_hang(0.6)
        async with httpx.AsyncClient() as client:
            with pytest.raises(UncertainSendError) as raised:
                await adapter.send(self._payload(adapter), client)
        assert raised.value.retryable is False
        assert len(provider.requests) == 1 and len(provider.sent()) == 1  # out once, not twice

    @pytest.mark.anyio
    async def test_a_gateway_5xx_is_uncertain_and_not_retried(
        self, adapter: ChannelAdapter, provider: FakeProvider, sleeps: list[float]
    ) -> None:
        provider.fail_next(502, bare=True)  # no provider error body: it may have got through
        async with httpx.AsyncClient() as client:
            with pytest.raises(UncertainSendError) as raised:
                await adapter.send(self._payload(adapter), client)
        assert raised.value.status == 502
        assert len(provider.requests) == 1 and sleeps == []

    @pytest.mark.anyio
    async def test_a_refused_connection_is_retried(
        self, provider: FakeProvider, sleep: Callable[[float], Any], sleeps: list[float]
    ) -> None:
        adapter = self.make_adapter(f"http://127.0.0.1:{free_port()}", sleep=sleep)
        async with httpx.AsyncClient() as client:
            with pytest.raises(SendError) as raised:
                await adapter.send(self._payload(adapter), client)
        assert raised.value.retryable is True  # nothing went out: the outbox tries again
        assert not isinstance(raised.value, UncertainSendError)
        assert len(sleeps) == FAST.max_attempts - 1

    @pytest.mark.anyio
    async def test_a_rejected_token_is_not_retried(
        self, provider_url: str, provider: FakeProvider, sleep: Callable[[float], Any]
    ) -> None:
        adapter = self.make_adapter(provider_url, token="wrong-token", sleep=sleep)
        async with httpx.AsyncClient() as client:
            with pytest.raises(SendError) as raised:
                await adapter.send(self._payload(adapter), client)
        assert (raised.value.retryable, raised.value.status) == (False, 401)
        assert "wrong-token" not in str(raised.value)

    @pytest.mark.anyio
    async def test_a_payload_of_another_channel_is_refused(self, adapter: ChannelAdapter) -> None:
        other: ChannelName = "sms" if adapter.name != "sms" else "whatsapp"
        payload = Payload(channel=other, kind="text", body={})
        async with httpx.AsyncClient() as client:
            with pytest.raises(SendError, match="cannot go through"):
                await adapter.send(payload, client)


def sms_parts(text: str) -> int:
    """How many SMS parts `text` takes, counted here independently of the adapter's code."""
    extension = set("^{}\\[~]|€\f")
    if all(c in GSM7_BASIC or c in extension for c in text):
        sizes, single, part = [2 if c in extension else 1 for c in text], 160, 153
    else:
        sizes, single, part = [2 if ord(c) > 0xFFFF else 1 for c in text], 70, 67
    if sum(sizes) <= single:
        return 1
    parts, used = 1, 0
    for size in sizes:
        if used + size > part:
            parts, used = parts + 1, 0
        used += size
    return parts
