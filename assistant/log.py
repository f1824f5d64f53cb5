"""Structured JSON logs with a request id, and PII (emails, phone and card numbers) masked."""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

request_id: ContextVar[str] = ContextVar("request_id", default="-")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 13-19 digits at once, or in groups of four (Amex 4-6-5) with one space or hyphen between,
# standing alone: not part of a longer run, a word, an id or a decimal.
_CARD = re.compile(
    r"(?<![\w.+/-])"
    r"(?:\d{13,19}|\d{4}([ -])\d{4}(?:\1\d{4}){1,2}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{5})"
    r"(?![\w-]|\.\d)"
)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_PHONE = re.compile(r"(?<![\w/])\+?\d[\d ().-]{7,}\d\b")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")  # an address the service listens on, not a phone


def mask(text: str) -> str:
    """Emails, card numbers and phone numbers replaced, keeping just enough to debug."""
    text = _EMAIL.sub(lambda m: f"{m.group(0)[0]}***@***", text)
    text = _CARD.sub(_masked_card, text)
    return _PHONE.sub(_masked_phone, text)


def _masked_card(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = _digits(found)
    return f"[card ...{digits[-4:]}]" if luhn(digits) else found


def luhn(digits: str) -> bool:
    """Whether `digits` pass the Luhn check every payment card number passes."""
    total = 0
    for n, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if n % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def safe_request_id(given: str) -> str | None:
    """A caller's `x-request-id` if it is a short plain token with nothing the masker would
    hide (it is logged as given); None for anything else."""
    if not _REQUEST_ID.fullmatch(given) or mask(given) != given:
        return None
    return given


def _masked_phone(match: re.Match[str]) -> str:
    found = match.group(0)
    if _IPV4.fullmatch(found) or not 7 <= len(_digits(found)) <= 15:  # E.164: at most 15
        return found  # an address, or digits run together with what follows (a status)
    return f"[phone ...{_digits(found)[-2:]}]"


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request id, masked message, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": request_id.get(),
            "message": mask(record.getMessage()),
        }
        for key in ("conversation_id", "channel", "status", "path", "method", "duration_ms"):
            if hasattr(record, key):
                value = getattr(record, key)  # a channel conversation id holds a phone number
                entry[key] = mask(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["error"] = mask(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO") -> None:
    """Route the assistant's and the server's logs through the JSON formatter.

    uvicorn's access log stays silent: the app logs each request once itself, with its id and
    duration (`RequestContext`), and uvicorn writes access lines only while that logger has a
    handler somewhere (it asks `hasHandlers()`), whatever `access_log` it was started with."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    for name in ("assistant", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level)
        logger.propagate = False
    access = logging.getLogger("uvicorn.access")
    access.handlers = []
    access.propagate = False
