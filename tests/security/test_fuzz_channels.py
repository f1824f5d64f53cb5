"""Fuzzing each channel adapter's `verify` and `parse` with arbitrary bodies and headers:
they either succeed or raise their one documented error, never anything else."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.channels import ChannelAdapter, SignatureError, WebhookParseError
from assistant.channels.registry import build_adapters
from assistant.config import Settings
from assistant.storable import storable
from assistant.testing.shoppers import (
    CHANNELS,
    PUBLIC_URL,
    enable_channels,
    sender_id,
    signed_message,
)

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays stable
    suppress_health_check=[HealthCheck.too_slow],
)
ADAPTERS: dict[str, ChannelAdapter] = {
    str(name): adapter
    for name, adapter in build_adapters(
        enable_channels(Settings(_env_file=None), "http://127.0.0.1:9").channels  # type: ignore[call-arg]
    ).items()
}
# Any code point, surrogates and controls included, and the ones that broke storage more often.
HOSTILE = st.text(
    st.characters(exclude_categories=())
    | st.sampled_from(["\x00", "\ud800", "\udfff", "\x1b", "\r", "\u202e", "\u0301", "\x85"]),
    max_size=40,
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | HOSTILE,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(HOSTILE, inner, max_size=4),
    max_leaves=25,
)
HEADERS = st.dictionaries(
    st.sampled_from(
        ["content-type", "x-hub-signature-256", "x-twilio-signature", "x-forwarded-proto", "host"]
    ),
    st.text(max_size=80),
    max_size=4,
)


def _mutate(value: Any, replacement: Any, path: list[int]) -> Any:
    """The value with one nested node (picked by `path`) swapped for `replacement`."""
    if not path:
        return replacement
    if isinstance(value, dict) and value:
        key = sorted(value)[path[0] % len(value)]
        return {**value, key: _mutate(value[key], replacement, path[1:])}
    if isinstance(value, list) and value:
        index = path[0] % len(value)
        return [*value[:index], _mutate(value[index], replacement, path[1:]), *value[index + 1 :]]
    return replacement


def _form_text(text: str) -> str:
    """`text` as a form body can carry it: UTF-8, so no lone surrogate."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _parse(channel: str, headers: dict[str, str], body: bytes) -> None:
    """What the webhook route does: verify, then parse; either may refuse with its error."""
    adapter = ADAPTERS[channel]
    with contextlib.suppress(SignatureError, WebhookParseError):
        adapter.verify(headers, body, f"{PUBLIC_URL}/webhooks/{channel}")
    with contextlib.suppress(WebhookParseError):
        adapter.parse(headers, body)


@FUZZ
@given(channel=st.sampled_from(CHANNELS), headers=HEADERS, body=st.binary(max_size=2000))
def test_arbitrary_bytes(channel: str, headers: dict[str, str], body: bytes) -> None:
    _parse(channel, headers, body)


@FUZZ
@given(channel=st.sampled_from(CHANNELS), value=JSON)
def test_arbitrary_json(channel: str, value: Any) -> None:
    _parse(channel, {"content-type": "application/json"}, json.dumps(value).encode())


@FUZZ
@given(
    channel=st.sampled_from(["whatsapp", "messenger"]),
    replacement=JSON,
    path=st.lists(st.integers(min_value=0, max_value=8), max_size=8),
)
def test_real_webhooks_with_one_field_broken(
    channel: str, replacement: Any, path: list[int]
) -> None:
    webhook = signed_message(channel, "16505550100", "merino socks")  # type: ignore[arg-type]
    broken = json.dumps(_mutate(json.loads(webhook.body), replacement, path)).encode()
    _parse(channel, webhook.headers, broken)


@FUZZ
@given(
    fields=st.dictionaries(
        st.sampled_from(
            ["From", "To", "Body", "MessageSid", "NumMedia", "MediaUrl0", "OptOutType"]
        ),
        HOSTILE.map(_form_text),
        max_size=7,
    ),
    extra=st.binary(max_size=60),
)
def test_sms_forms(fields: dict[str, str], extra: bytes) -> None:
    from urllib.parse import urlencode

    body = urlencode(fields).encode() + extra
    _parse("sms", {"content-type": "application/x-www-form-urlencoded"}, body)


@FUZZ
@given(channel=st.sampled_from(CHANNELS), text=HOSTILE)
def test_hostile_text_in_a_signed_message_parses_storable(channel: str, text: str) -> None:
    sent = "socks " + (_form_text(text) if channel == "sms" else text)  # never empty
    webhook = signed_message(channel, sender_id(channel, 1), sent)  # type: ignore[arg-type]
    adapter = ADAPTERS[channel]
    adapter.verify(webhook.headers, webhook.body, f"{PUBLIC_URL}/webhooks/{channel}")
    for message in adapter.parse(webhook.headers, webhook.body).messages:
        for field in ("text", "sender", "provider_message_id"):
            value = getattr(message, field) or ""
            assert storable(value) == value and "\x00" not in value
            value.encode("utf-8")  # no lone surrogate: every database can store it
        assert storable(message.original("text")) == message.text
