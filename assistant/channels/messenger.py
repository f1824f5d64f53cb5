"""Messenger and Instagram messaging: webhooks from ``entry[].messaging[]``, sends through the
Send API (``POST {api_url}/{version}/{page_id}/messages``).

Read: message text (with a tapped quick reply's payload), postbacks (buttons on cards).
Echoes of our own messages are skipped; deliveries and reads become status updates (a read
on Messenger is a watermark: every message up to that time).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from assistant.channels.base import (
    ChannelName,
    DeliveryStatus,
    Headers,
    ParsedWebhook,
    Payload,
    RenderContext,
    Skipped,
    StatusUpdate,
    inbound_message,
)
from assistant.channels.errors import WebhookParseError
from assistant.channels.messenger_render import (
    INSTAGRAM_LIMITS,
    MESSENGER_LIMITS,
    SendApiLimits,
    render_send_api,
)
from assistant.channels.meta import MetaAdapter, field, items, obj, webhook_object
from assistant.channels.retry import Sleep
from assistant.channels.settings import InstagramSettings, MessengerSettings
from assistant.messages import InboundMessage, Reply


class MessengerAdapter(MetaAdapter):
    """Facebook Messenger, through one Page."""

    name: ClassVar[ChannelName] = "messenger"
    webhook_object: ClassVar[str] = "page"
    limits: ClassVar[SendApiLimits] = MESSENGER_LIMITS

    def __init__(self, settings: MessengerSettings, *, sleep: Sleep | None = None) -> None:
        super().__init__(
            prefix=f"channels.{self.name}.",
            api_url=settings.api_url,
            api_version=settings.api_version,
            node_id=settings.page_id.strip() or "me",
            access_token=settings.access_token,
            app_secret=settings.app_secret,
            verify_token=settings.verify_token,
            retry=settings.retry,
            sleep=sleep,
        )
        self.settings = settings

    def parse(self, headers: Headers, body: bytes) -> ParsedWebhook:
        """Messages, postbacks, deliveries and reads of every entry."""
        data = webhook_object(body, self.webhook_object)
        parsed = ParsedWebhook()
        for e, entry in enumerate(items(data, "entry", "body")):
            for m, event in enumerate(items(entry, "messaging", f"entry[{e}]")):
                self._event(event, f"entry[{e}].messaging[{m}]", parsed)
        return parsed

    def render(self, reply: Reply, context: RenderContext) -> list[Payload]:
        """Send API requests; a human agent's reply carries the HUMAN_AGENT tag."""
        return render_send_api(reply, context, self.settings, self.name, self.limits)

    def _message_id(self, data: dict[str, Any]) -> str | None:
        return str(data.get("message_id") or "") or None

    def _event(self, event: dict[str, Any], where: str, parsed: ParsedWebhook) -> None:
        sender = field(obj(event, "sender", where), "id", f"{where}.sender")
        when = _timestamp(event.get("timestamp"), where)
        if "message" in event:
            self._message(obj(event, "message", where), sender, when, where, parsed)
        elif "postback" in event:
            postback = obj(event, "postback", where)
            payload = field(postback, "payload", f"{where}.postback")
            message_id = str(postback.get("mid") or f"postback:{sender}:{event.get('timestamp')}")
            text = str(postback.get("title") or payload)
            parsed.messages.append(self._inbound(sender, text, message_id, payload, when, where))
        elif "delivery" in event:
            delivery = obj(event, "delivery", where)
            mids = delivery.get("mids") or [None]
            stamp = _timestamp(delivery.get("watermark", event.get("timestamp")), where)
            for mid in mids if isinstance(mids, list) else [None]:
                parsed.statuses.append(_update(mid, sender, "delivered", stamp))
        elif "read" in event:
            read = obj(event, "read", where)
            stamp = _timestamp(read.get("watermark", event.get("timestamp")), where)
            parsed.statuses.append(_update(read.get("mid"), sender, "read", stamp))
        else:
            kinds = sorted(set(event) - {"sender", "recipient", "timestamp"})
            parsed.skipped.append(Skipped(reason=f"unhandled event {kinds}", sender=sender))

    def _message(
        self,
        message: dict[str, Any],
        sender: str,
        when: datetime,
        where: str,
        parsed: ParsedWebhook,
    ) -> None:
        message_id = field(message, "mid", f"{where}.message")
        if message.get("is_echo"):
            echo = Skipped(reason="echo of a message we sent", provider_message_id=message_id)
            parsed.skipped.append(echo)
            return
        text = message.get("text")
        quick = obj(message, "quick_reply", f"{where}.message").get("payload")
        if not isinstance(text, str) or not text:
            kinds = [a.get("type") for a in items(message, "attachments", f"{where}.message")]
            reason = f"unsupported message: {kinds or 'no text'}; only text is read"
            parsed.skipped.append(
                Skipped(reason=reason, provider_message_id=message_id, sender=sender)
            )
            return
        payload = str(quick) if quick is not None else None
        parsed.messages.append(self._inbound(sender, text, message_id, payload, when, where))

    def _inbound(
        self,
        sender: str,
        text: str,
        message_id: str,
        payload: str | None,
        when: datetime,
        where: str,
    ) -> InboundMessage:
        return inbound_message(
            self.name,
            sender,
            text,
            message_id=message_id,
            quick_reply=payload,
            received_at=when,
            where=where,
        )


class InstagramAdapter(MessengerAdapter):
    """Instagram Direct: Messenger's shape, with Instagram's limits (1000-byte texts, quick
    replies on text messages only)."""

    name: ClassVar[ChannelName] = "instagram"
    webhook_object: ClassVar[str] = "instagram"
    limits: ClassVar[SendApiLimits] = INSTAGRAM_LIMITS

    def __init__(self, settings: InstagramSettings, *, sleep: Sleep | None = None) -> None:
        super().__init__(settings, sleep=sleep)


def _update(mid: object, recipient: str, status: DeliveryStatus, when: datetime) -> StatusUpdate:
    message_id = str(mid) if isinstance(mid, str | int) and mid != "" else None
    return StatusUpdate(
        provider_message_id=message_id, recipient=recipient, status=status, timestamp=when
    )


def _timestamp(value: object, where: str) -> datetime:
    """Milliseconds since the epoch, as Meta sends them here; now when absent."""
    if value is None:
        return datetime.now(UTC)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise WebhookParseError(f"{where}.timestamp is not a number: {value!r}")
    try:
        return datetime.fromtimestamp(int(value) / 1000, UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise WebhookParseError(f"{where}.timestamp is not a time: {value!r}") from exc
