"""The channel contract: verify, parse, render, send. Every adapter implements these four.

A webhook route does, in order::

    adapter.verify(request.headers, body, public_url)   # SignatureError -> 403
    parsed = adapter.parse(request.headers, body)        # WebhookParseError -> 400
    store parsed.messages / statuses / signals, answer 200 (Twilio: adapter-specific TwiML)

and the outbox, for each reply::

    for payload in adapter.render(reply, context):       # WindowClosedError: nothing may go
        result = await adapter.send(payload, client)     # SendError(retryable=...) -> retry later
                                                         # UncertainSendError -> never again

Rich things degrade to text: where a channel cannot show a card or a button, the adapter
writes it as a numbered line ("Reply 4 for Sizes"); the number is the option's position in
`Reply.quick_replies`, so the conversation can map a bare "4" back to its payload.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.brand.models import ChannelStyle
from assistant.channels.errors import SendError, WebhookParseError
from assistant.channels.retry import Sleep, send_with_retries
from assistant.channels.settings import RetrySettings
from assistant.messages import MAX_MESSAGE_CHARS, InboundMessage, Reply
from assistant.storable import StorableStr

ChannelName = Literal["whatsapp", "messenger", "instagram", "sms"]
SignalKind = Literal["opt_out", "opt_in", "help"]
DeliveryStatus = Literal["queued", "sent", "delivered", "read", "failed"]
PayloadKind = Literal[
    "text", "buttons", "list", "cta_url", "template", "cards", "button_template", "sms"
]
Headers = Mapping[str, str]
QUICK_REPLY_MAX = 200  # InboundMessage.quick_reply's limit; our own payloads never exceed it


class StatusUpdate(BaseModel):
    """What became of a message we sent. No id means "everything up to `timestamp`" (a read
    watermark, as Messenger sends them)."""

    model_config = ConfigDict(frozen=True)

    provider_message_id: StorableStr | None
    recipient: StorableStr
    status: DeliveryStatus
    timestamp: datetime
    error: StorableStr | None = None


class ChannelSignal(BaseModel):
    """A compliance keyword: the sender opted out, opted back in, or asked for help. Its text
    fields, like a message's, are storable (see `assistant.storable`)."""

    model_config = ConfigDict(frozen=True)

    sender: StorableStr
    kind: SignalKind
    provider_message_id: StorableStr | None = None
    keyword: StorableStr = ""
    reply_text: str | None = Field(default=None, description="what to answer, if anything")


class Skipped(BaseModel):
    """An event the webhook carried that is not a shopper message (a sticker, an echo...)."""

    model_config = ConfigDict(frozen=True)

    reason: str
    provider_message_id: str | None = None
    sender: str | None = None


class ParsedWebhook(BaseModel):
    """Everything one webhook body carried."""

    messages: list[InboundMessage] = Field(default_factory=list)
    statuses: list[StatusUpdate] = Field(default_factory=list)
    signals: list[ChannelSignal] = Field(default_factory=list)
    skipped: list[Skipped] = Field(default_factory=list)


class Payload(BaseModel):
    """One provider request body, ready to send (and to store in an outbox as JSON)."""

    model_config = ConfigDict(frozen=True)

    channel: ChannelName
    kind: PayloadKind
    body: dict[str, Any]

    @property
    def is_template(self) -> bool:
        """A WhatsApp template: what may go once the 24-hour window has closed."""
        return self.kind == "template"


class SendResult(BaseModel):
    """The provider accepted the payload."""

    provider_message_id: str
    attempts: int = Field(ge=1)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RenderContext:
    """What rendering needs besides the reply. `link` turns a URL into the tracked short link
    (``/c/{token}``) the service records; `last_inbound_at` is when the shopper last wrote
    (None: never), which decides the 24-hour and 7-day messaging windows."""

    recipient: str
    style: ChannelStyle
    link: Callable[[str], str]
    last_inbound_at: datetime | None
    human_agent: bool = False
    now: datetime = field(default_factory=_now)

    def within(self, window: timedelta) -> bool:
        """Whether the shopper wrote less than `window` ago."""
        last = self.last_inbound_at
        if last is None:
            return False
        if last.tzinfo is None:  # a naive time from a store is UTC
            last = last.replace(tzinfo=UTC)
        return self.now - last < window

    @property
    def in_service_window(self) -> bool:
        """Inside the 24-hour customer service window (WhatsApp, Messenger, Instagram)."""
        return self.within(timedelta(hours=24))


class ChannelAdapter(ABC):
    """One messaging channel. Subclasses implement the four steps; `send` adds the retries."""

    name: ClassVar[ChannelName]

    def __init__(self, retry: RetrySettings, *, sleep: Sleep | None = None) -> None:
        self.retry = retry
        self._sleep = sleep

    @abstractmethod
    def verify(self, headers: Headers, body: bytes, url: str) -> None:
        """Check the webhook's signature over the raw body; raise `SignatureError` if wrong."""

    @abstractmethod
    def parse(self, headers: Headers, body: bytes) -> ParsedWebhook:
        """Read a verified webhook body; raise `WebhookParseError` with the reason if unreadable."""

    @abstractmethod
    def render(self, reply: Reply, context: RenderContext) -> list[Payload]:
        """The payloads that show `reply` on this channel, each within the provider's limits."""

    @abstractmethod
    async def _attempt(self, payload: Payload, client: httpx.AsyncClient) -> str:
        """Send once; the provider's message id, or `SendError` saying whether to retry."""

    async def send(self, payload: Payload, client: httpx.AsyncClient) -> SendResult:
        """Send `payload`, retrying with jittered backoff (honouring Retry-After) only what
        cannot go out twice: a refused connection, 429, 503, a provider's "not sent" code."""
        if payload.channel != self.name:
            raise SendError(
                f"a {payload.channel} payload cannot go through the {self.name} adapter",
                retryable=False,
            )

        def attempt() -> Awaitable[str]:
            return self._attempt(payload, client)

        message_id, attempts = await send_with_retries(attempt, self.retry, sleep=self._sleep)
        return SendResult(provider_message_id=message_id, attempts=attempts)


def header(headers: Headers, name: str) -> str | None:
    """A header's value whatever the case of its name (a plain dict is not case-insensitive)."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def inbound_message(
    channel: ChannelName,
    sender: str,
    text: str,
    *,
    message_id: str,
    quick_reply: str | None,
    received_at: datetime,
    where: str,
) -> InboundMessage:
    """An `InboundMessage`, with over-long text cut to fit; invalid fields are a parse error."""
    try:
        return InboundMessage(
            channel=channel,
            sender=sender,
            text=text[:MAX_MESSAGE_CHARS],
            provider_message_id=message_id,
            quick_reply=quick_reply[:QUICK_REPLY_MAX] if quick_reply else None,
            received_at=received_at,
        )
    except ValidationError as exc:
        problem = exc.errors()[0]
        place = ".".join(str(p) for p in problem["loc"])
        raise WebhookParseError(f"{where}: {place}: {problem['msg']}") from exc
