"""Structured JSON logs with a request id, and PII (emails, phone and card numbers) masked."""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

request_id: ContextVar[str] = ContextVar("request_id", default="-")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_PHONE = re.compile(r"(?<![\w/])\+?\d[\d ().-]{7,}\d\b")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")  # an address the service listens on, not a phone


def mask(text: str) -> str:
    """Emails, card numbers and phone numbers replaced, keeping just enough to debug."""
    text = _EMAIL.sub(lambda m: f"{m.group(0)[0]}***@***", text)
    text = _CARD.sub(lambda m: f"[card ...{_digits(m.group(0))[-4:]}]", text)
    return _PHONE.sub(_masked_phone, text)


def _masked_phone(match: re.Match[str]) -> str:
    found = match.group(0)
    return found if _IPV4.fullmatch(found) else f"[phone ...{_digits(found)[-2:]}]"


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
