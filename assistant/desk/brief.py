"""The brief a person at the desk reads first: what the shopper wants and for whom, their
constraints, the items shown and the one in focus, their cart, what went wrong, and their last
message. `reading.read_brief` fills it from the conversation's history; `render` writes it as
the ticket's summary: plain text, bounded, with no contact details or order numbers in it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.log import mask

LINE_MAX = 200  # characters per line of the summary, its label included
MAX_CHARS = 8 * (LINE_MAX + 1)  # eight lines at most

_ORDER_NUMBER = re.compile(
    r"#\s?[A-Z]{0,3}-?\d{3,}\b"
    r"|\b(?:order|confirmation)\s*(?:number|no\.?|#|id)?\s*:?\s*[A-Z]{0,3}-?\d{4,}\b"
    r"|\b[A-Z]{1,3}-?\d{5,}\b",
    re.I,
)
_STREET = re.compile(
    r"\b\d{1,6}\s+(?:[NSEW]{1,2}\s+)?(?:[A-Za-z]+\s+){0,3}"
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl"
    r"|terrace|parkway|pkwy|highway|hwy)\b\.?",
    re.I,
)
_LONG_NUMBER = re.compile(r"(?<![$\d.,])\b\d{5,}\b")  # ZIP codes, ids: a price keeps its "$"


def private_out(text: str) -> str:
    """`text` without emails, phone and card numbers, street addresses, order numbers or other
    long numbers (ZIP codes): the desk reads those in the transcript, not in the summary."""
    text = _ORDER_NUMBER.sub("[order number]", mask(text))
    text = _STREET.sub("[address]", text)
    return _LONG_NUMBER.sub("[number]", text)


def clip(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis when longer."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Brief:
    """What the desk needs to pick a conversation up without asking the shopper again."""

    wants: str = ""
    recipient: str = ""  # a gift's recipient and what is known of them
    constraints: tuple[str, ...] = ()
    shown: tuple[str, ...] = ()  # titles, most recent listing
    focus: str = ""  # the title of the item the shopper is looking at
    cart: tuple[str, ...] = ()  # lines of the checkout link made, then its subtotal
    trouble: tuple[str, ...] = ()  # why: the handoff reason, then what went wrong
    last_message: str = ""

    def render(self) -> str:
        """The ticket's summary: one labelled line per known fact, PII kept out."""
        last = self.last_message.strip()
        wants = "" if _same(self.wants, self.last_message) else self.wants
        lines = (
            ("Wants", wants),
            ("For", self.recipient),
            ("Constraints", ", ".join(self.constraints)),
            ("Shown", "; ".join(self.shown)),
            ("Looking at", self.focus),
            ("Cart", "; ".join(self.cart)),
            ("Handed off", "; ".join(self.trouble)),
            ("Last message", f'"{last}"' if last else ""),
        )
        text = "\n".join(
            clip(f"{label}: {private_out(value)}", LINE_MAX) for label, value in lines if value
        )
        return text[:MAX_CHARS]


def _same(one: str, other: str) -> bool:
    return " ".join(one.lower().split()) == " ".join(other.lower().split())
