"""Rich things as text, for channels (or overflow) that cannot show them as cards or buttons.

Options are numbered by their position in `Reply.quick_replies` wherever they appear, so a
shopper's bare "4" means the same option on every channel: `resolve_numbered_reply` maps it
back. Products are written "#1 Title - $129.00", matching the "Tell me about #1" chips.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from assistant.brand.models import ChannelStyle
from assistant.brand.text import strip_emoji
from assistant.channels.text import clip, strip_markdown
from assistant.messages import ProductCard, QuickReply

PAYLOAD_MAX = 200  # QuickReply.payload's own limit; every provider allows at least this


def money(amount: Decimal) -> str:
    """A price as the catalog shows it: $129.00."""
    return f"${amount:,.2f}"


def product_summary(card: ProductCard) -> str:
    """Price, sale and stock in a few words: "$99.00 (was $129.00), sold out"."""
    text = money(card.price)
    if card.compare_at_price is not None and card.compare_at_price > card.price:
        text += f" (was {money(card.compare_at_price)})"
    return text if card.in_stock else f"{text}, sold out"


def product_line(card: ProductCard, number: int, title_width: int = 60) -> str:
    """One product on one short line."""
    return f"#{number} {clip(card.title, title_width)} - {product_summary(card)}"


def product_payload(card: ProductCard) -> str:
    """What choosing a product sends back, as if the shopper had typed it."""
    return f"Tell me about {card.title}"[:PAYLOAD_MAX]


def numbered_options(options: Sequence[QuickReply], first: int = 1) -> str:
    """ "Reply 1 for Sizes, 2 for Colors or 3 for Talk to a person." (numbers from `first`)."""
    items = [f"{n} for {o.title}" for n, o in enumerate(options, first)]
    if not items:
        return ""
    listed = items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"
    return f"Reply {listed}."


def resolve_numbered_reply(text: str, options: Sequence[QuickReply]) -> QuickReply | None:
    """The option a bare number ("2", " 2. ") picks among the last reply's quick replies."""
    digits = text.strip().rstrip(".)")
    if not digits.isdigit():
        return None
    number = int(digits)
    return options[number - 1] if 0 < number <= len(options) else None


def styled_text(text: str, style: ChannelStyle, *, plain: bool = False) -> str:
    """The reply text as the channel's style wants it: markdown only where it renders (never
    when `plain`), emoji only where the style allows them."""
    if plain or not style.markdown:
        text = strip_markdown(text)
    return text if style.emoji else strip_emoji(text)
