"""A `Reply` as WhatsApp Cloud API messages: text, reply buttons, lists, a CTA URL button, or
(outside the 24-hour window) the configured template."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.channels.base import Payload, PayloadKind, RenderContext
from assistant.channels.errors import WindowClosedError
from assistant.channels.fallback import (
    numbered_options,
    product_line,
    product_payload,
    product_summary,
    styled_text,
)
from assistant.channels.settings import WhatsAppSettings
from assistant.channels.text import clip, clips, split_text, truncate
from assistant.messages import ProductCard, QuickReply, Reply

TEXT_MAX = 4096
INTERACTIVE_BODY_MAX = 1024  # reply buttons and CTA URL bodies (lists allow more: one rule)
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
LIST_ROWS_MAX = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ROW_ID_MAX = 200
SECTION_TITLE_MAX = 24
CTA_DISPLAY_MAX = 20


def render_whatsapp(
    reply: Reply, context: RenderContext, settings: WhatsAppSettings
) -> list[Payload]:
    """The messages for `reply`, in order: text, products, checkout button, options."""
    if not context.in_service_window:
        return [_template(context.recipient, settings)]
    text = styled_text(reply.text, context.style)
    options = list(reply.quick_replies)
    numbered = context.style.options == "numbered"
    tappable = [] if numbered else options[:LIST_ROWS_MAX]
    extra = _overflow(reply.products, options, numbered)
    pieces = split_text("\n\n".join(p for p in [text, *extra] if p), TEXT_MAX)

    rich: list[tuple[PayloadKind, Callable[[str | None], dict[str, Any]]]] = []
    if reply.products:
        rich.append(("list", lambda body: _product_list(body, reply.products, settings)))
    if reply.checkout_url:
        url = context.link(reply.checkout_url)
        rich.append(("cta_url", lambda body: _cta(body or settings.checkout_text, url, settings)))
    if tappable:
        kind: PayloadKind = "buttons" if len(tappable) <= BUTTONS_MAX else "list"
        rich.append(
            (kind, lambda body: _options(body or settings.options_prompt, tappable, settings))
        )

    first_body = None
    if rich and pieces and len(pieces[-1]) <= INTERACTIVE_BODY_MAX:
        first_body = pieces.pop()
    messages = [_message(context.recipient, "text", _text(p)) for p in pieces]
    for index, (kind, build) in enumerate(rich):
        body = build(first_body if index == 0 else None)
        messages.append(_message(context.recipient, kind, body))
    return messages


def _overflow(products: list[ProductCard], options: list[QuickReply], numbered: bool) -> list[str]:
    """Text for what no list can hold: products past 10, options past 10 (or all, numbered)."""
    more = [product_line(c, n) for n, c in enumerate(products, 1)][LIST_ROWS_MAX:]
    if numbered:
        rest = numbered_options(options)
    else:
        rest = numbered_options(options[LIST_ROWS_MAX:], first=LIST_ROWS_MAX + 1)
    return [part for part in ("\n".join(more), rest) if part]


def _message(recipient: str, kind: PayloadKind, content: dict[str, Any]) -> Payload:
    # A phone number goes in `to`; a business-scoped user id ("US.1349...") in `recipient`.
    address = "to" if recipient.lstrip("+").isdigit() else "recipient"
    wire_type = "interactive" if kind in ("buttons", "list", "cta_url") else kind
    body = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        address: recipient,
        "type": wire_type,
        wire_type: content,
    }
    return Payload(channel="whatsapp", kind=kind, body=body)


def _text(body: str) -> dict[str, Any]:
    return {"preview_url": "http" in body, "body": body}


def _body(text: str) -> dict[str, str]:
    return {"text": truncate(text, INTERACTIVE_BODY_MAX)}


def _product_list(
    body: str | None, products: list[ProductCard], s: WhatsAppSettings
) -> dict[str, Any]:
    rows = [_product_row(card) for card in products[:LIST_ROWS_MAX]]
    return _list(body or s.options_prompt, s.products_button, "Products", rows)


def _product_row(card: ProductCard) -> dict[str, str]:
    description = " · ".join(part for part in (product_summary(card), card.subtitle) if part)
    return {
        "id": product_payload(card)[:ROW_ID_MAX],
        "title": clip(card.title, ROW_TITLE_MAX),
        "description": clip(description, ROW_DESCRIPTION_MAX),
    }


def _options(body: str, options: list[QuickReply], s: WhatsAppSettings) -> dict[str, Any]:
    if len(options) <= BUTTONS_MAX:
        titles = clips([o.title for o in options], BUTTON_TITLE_MAX)
        buttons = [
            {"type": "reply", "reply": {"id": o.payload[:BUTTON_ID_MAX], "title": title}}
            for o, title in zip(options, titles, strict=True)
        ]
        return {"type": "button", "body": _body(body), "action": {"buttons": buttons}}
    return _list(body, s.list_button, "Options", [_option_row(o) for o in options])


def _option_row(option: QuickReply) -> dict[str, str]:
    row = {"id": option.payload[:ROW_ID_MAX], "title": clip(option.title, ROW_TITLE_MAX)}
    if len(option.title) > ROW_TITLE_MAX:  # the whole title stays readable below the clipped one
        row["description"] = clip(option.title, ROW_DESCRIPTION_MAX)
    return row


def _list(body: str, button: str, section: str, rows: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "type": "list",
        "body": _body(body),
        "action": {
            "button": clip(button, BUTTON_TITLE_MAX),
            "sections": [{"title": clip(section, SECTION_TITLE_MAX), "rows": rows}],
        },
    }


def _cta(body: str, url: str, s: WhatsAppSettings) -> dict[str, Any]:
    return {
        "type": "cta_url",
        "body": _body(body),
        "action": {
            "name": "cta_url",
            "parameters": {"display_text": clip(s.checkout_button, CTA_DISPLAY_MAX), "url": url},
        },
    }


def _template(recipient: str, settings: WhatsAppSettings) -> Payload:
    if settings.template is None:
        raise WindowClosedError(
            "more than 24 hours since the shopper last wrote on WhatsApp: only an approved "
            "template may be sent, and none is configured (ASSISTANT_CHANNELS__WHATSAPP__TEMPLATE)"
        )
    template: dict[str, Any] = {
        "name": settings.template.name,
        "language": {"code": settings.template.language},
    }
    if settings.template.body_parameters:
        parameters = [{"type": "text", "text": p} for p in settings.template.body_parameters]
        template["components"] = [{"type": "body", "parameters": parameters}]
    return _message(recipient, "template", template)
