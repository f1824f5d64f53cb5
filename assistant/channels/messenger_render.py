"""A `Reply` as Send API requests, for Messenger and for Instagram (which counts text in bytes
and takes quick replies on text messages only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from assistant.channels.base import ChannelName, Payload, PayloadKind, RenderContext
from assistant.channels.errors import WindowClosedError
from assistant.channels.fallback import (
    numbered_options,
    product_line,
    product_payload,
    product_summary,
    styled_text,
)
from assistant.channels.settings import MessengerSettings
from assistant.channels.text import Measure, clip, clips, split_text, truncate, utf8_bytes
from assistant.messages import ProductCard, QuickReply, Reply

QUICK_REPLIES_MAX = 13
QUICK_REPLY_TITLE_MAX = 20
ELEMENTS_MAX = 10
ELEMENT_TITLE_MAX = 80
ELEMENT_SUBTITLE_MAX = 80
BUTTON_TITLE_MAX = 20
BUTTON_TEMPLATE_TEXT_MAX = 640
HUMAN_AGENT_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class SendApiLimits:
    """What differs between Messenger and Instagram."""

    text_max: int
    measure: Measure
    quick_replies_on_attachments: bool


MESSENGER_LIMITS = SendApiLimits(text_max=2000, measure=len, quick_replies_on_attachments=True)
INSTAGRAM_LIMITS = SendApiLimits(
    text_max=1000, measure=utf8_bytes, quick_replies_on_attachments=False
)


def render_send_api(
    reply: Reply,
    context: RenderContext,
    settings: MessengerSettings,
    channel: ChannelName,
    limits: SendApiLimits,
) -> list[Payload]:
    """Text, then product cards, then a checkout button; quick replies on the last message."""
    envelope = _envelope(context, channel)
    text = styled_text(reply.text, context.style)
    options = list(reply.quick_replies)
    chips = [] if context.style.options == "numbered" else options[:QUICK_REPLIES_MAX]
    more = [product_line(c, n) for n, c in enumerate(reply.products, 1)][ELEMENTS_MAX:]
    rest = numbered_options(options[len(chips) :], first=len(chips) + 1)
    full = "\n\n".join(part for part in [text, "\n".join(more), rest] if part)

    messages: list[tuple[PayloadKind, dict[str, Any]]] = [
        ("text", {"text": piece}) for piece in split_text(full, limits.text_max, limits.measure)
    ]
    if reply.products:
        cards = [_element(card, context, settings) for card in reply.products[:ELEMENTS_MAX]]
        messages.append(("cards", _template({"template_type": "generic", "elements": cards})))
    if reply.checkout_url:
        button = _url_button(settings.checkout_button, context.link(reply.checkout_url))
        checkout = {
            "template_type": "button",
            "text": truncate(settings.checkout_text, BUTTON_TEMPLATE_TEXT_MAX),
            "buttons": [button],
        }
        messages.append(("button_template", _template(checkout)))
    if chips:
        if not messages or (messages[-1][0] != "text" and not limits.quick_replies_on_attachments):
            prompt = truncate(settings.options_prompt, limits.text_max, limits.measure)
            messages.append(("text", {"text": prompt}))
        titles = clips([option.title for option in chips], QUICK_REPLY_TITLE_MAX)
        messages[-1][1]["quick_replies"] = [
            _chip(option, title) for option, title in zip(chips, titles, strict=True)
        ]
    return [
        Payload(channel=channel, kind=kind, body={**envelope, "message": message})
        for kind, message in messages
    ]


def _envelope(context: RenderContext, channel: ChannelName) -> dict[str, Any]:
    """Recipient and messaging type: a RESPONSE within 24 hours of the shopper's last message;
    a person's reply is tagged HUMAN_AGENT, which Meta allows for 7 days."""
    envelope: dict[str, Any] = {"recipient": {"id": context.recipient}}
    if context.human_agent:
        if not context.within(HUMAN_AGENT_WINDOW):
            raise WindowClosedError(
                f"more than 7 days since the shopper last wrote on {channel}: "
                "not even a human agent may reply now"
            )
        return envelope | {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
    if not context.in_service_window:
        raise WindowClosedError(
            f"more than 24 hours since the shopper last wrote on {channel}: the assistant may "
            "not message them; a human agent can still reply for 7 days (HUMAN_AGENT tag)"
        )
    return envelope | {"messaging_type": "RESPONSE"}


def _template(payload: dict[str, Any]) -> dict[str, Any]:
    return {"attachment": {"type": "template", "payload": payload}}


def _element(card: ProductCard, context: RenderContext, s: MessengerSettings) -> dict[str, Any]:
    subtitle = " · ".join(part for part in (product_summary(card), card.subtitle) if part)
    element: dict[str, Any] = {
        "title": clip(card.title, ELEMENT_TITLE_MAX),
        "subtitle": clip(subtitle, ELEMENT_SUBTITLE_MAX),
    }
    if card.image:
        element["image_url"] = card.image
    buttons = [_url_button(s.buy_button, context.link(card.url))] if card.url else []
    buttons.append(
        {
            "type": "postback",
            "title": clip(s.details_button, BUTTON_TITLE_MAX),
            "payload": product_payload(card),
        }
    )
    element["buttons"] = buttons
    return element


def _url_button(title: str, url: str) -> dict[str, str]:
    return {"type": "web_url", "url": url, "title": clip(title, BUTTON_TITLE_MAX)}


def _chip(option: QuickReply, title: str) -> dict[str, str]:
    return {"content_type": "text", "title": title, "payload": option.payload}
