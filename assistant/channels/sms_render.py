"""A `Reply` as one SMS: plain text, products as short numbered lines, options as
"Reply 1 for ...", the checkout as a tracked short link; at most `max_segments` parts.

What does not fit is cut in this order: the prose (at a word, with an ellipsis) down to
`MIN_PROSE_CHARS`, then product lines from the last, then the prose again; options and the
checkout link stay as long as they fit on their own.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.channels.base import Payload, RenderContext
from assistant.channels.fallback import numbered_options, product_line, styled_text
from assistant.channels.settings import SmsSettings
from assistant.channels.sms_segments import PLAIN_PUNCTUATION, ellipsis_for, segment_count
from assistant.messages import Reply

PRODUCT_TITLE_WIDTH = 30
MIN_PROSE_CHARS = 80  # product lines give way before the answer shrinks below this


def render_sms(reply: Reply, context: RenderContext, settings: SmsSettings) -> list[Payload]:
    """One Twilio message (Twilio and the carrier join its parts) or none for an empty reply."""
    plain = _plain(settings)
    text = plain(styled_text(reply.text, context.style, plain=True))
    products = [
        plain(product_line(card, n, PRODUCT_TITLE_WIDTH))
        for n, card in enumerate(reply.products, 1)
    ]
    essentials = [plain(numbered_options(reply.quick_replies))]
    if reply.checkout_url:
        essentials.insert(0, f"Checkout: {context.link(reply.checkout_url)}")
    body = fit(text, products, [line for line in essentials if line], settings.max_segments)
    if not body:
        return []
    fields = {"To": context.recipient, "Body": body}
    if settings.messaging_service_sid:
        fields["MessagingServiceSid"] = settings.messaging_service_sid
    else:
        fields["From"] = settings.from_number or ""
    if settings.status_callback_url:
        fields["StatusCallback"] = settings.status_callback_url
    return [Payload(channel="sms", kind="sms", body=fields)]


def _plain(settings: SmsSettings) -> Callable[[str], str]:
    if settings.plain_punctuation:
        return lambda text: text.translate(PLAIN_PUNCTUATION)
    return lambda text: text


def compose(text: str, lines: list[str]) -> str:
    """The prose, a blank line, then one line per product, link and options line."""
    return "\n\n".join(part for part in (text, "\n".join(lines)) if part)


def fit(text: str, products: list[str], essentials: list[str], max_segments: int) -> str:
    """The longest message of at most `max_segments` parts keeping the essentials."""

    def fits(candidate: str) -> bool:
        return segment_count(candidate) <= max_segments

    for kept in range(len(products), -1, -1):  # the prose goes first, then the last products
        lines = products[:kept] + essentials
        if fits(compose(text, lines)):
            return compose(text, lines)
        head = _longest_head(text, _fits_with(lines, fits), lines)
        floor = min(len(text), MIN_PROSE_CHARS) if kept else 0
        if head is not None and len(head) >= floor:
            return compose(head, lines)
    everything = compose("", essentials)
    return _longest_head(everything, fits, []) or ""


def _fits_with(lines: list[str], fits: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda head: fits(compose(head, lines))


def _longest_head(text: str, fits: Callable[[str], bool], rest: list[str]) -> str | None:
    """The longest start of `text`, cut after a word and ended with an ellipsis, that fits;
    the empty head when even one word is too long; None when nothing fits at all."""
    ends = [i for i in range(1, len(text)) if text[i].isspace() and not text[i - 1].isspace()]
    low, high, best = 0, len(ends) - 1, None
    while low <= high:  # the cost grows with the length, so a binary search finds the longest
        middle = (low + high) // 2
        head = _head(text, ends[middle], rest)
        if fits(head):
            best, low = head, middle + 1
        else:
            high = middle - 1
    if best is not None:
        return best
    return "" if fits("") else None


def _head(text: str, end: int, rest: list[str]) -> str:
    head = text[:end].rstrip(" \t\n,;:-")
    return head + ellipsis_for(head + "".join(rest))
