"""Logs are JSON with a request id, and never carry emails, phone or card numbers."""

from __future__ import annotations

import json
import logging

import pytest

from assistant.log import JsonFormatter, configure, mask, request_id


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("contact maya.okafor@example.com", "maya.okafor@example.com"),
        ("call +1 (503) 555-0142 now", "555-0142"),
        ("card 4242 4242 4242 4242", "4242 4242 4242 4242"),
        ("card 4242-4242-4242-4242", "4242-4242-4242-4242"),
    ],
)
def test_pii_is_masked(text: str, hidden: str) -> None:
    assert hidden not in mask(text)


@pytest.mark.parametrize(
    "text",
    [
        "order #W1000001 shipped, $189.00, size 10",
        "serving on 127.0.0.1:8000 with 2 workers",
        "upstream 10.20.30.40 answered 503",
    ],
)
def test_ordinary_text_is_kept(text: str) -> None:
    assert mask(text) == text


def test_a_phone_written_with_dots_is_still_masked() -> None:
    assert "555.0142" not in mask("call 1.503.555.0142") and "555.0142" not in mask("503.555.0142")


def test_uvicorn_writes_no_access_line_of_its_own_after_configure() -> None:
    """uvicorn logs access lines when its access logger has a handler anywhere (it checks
    `hasHandlers()` per connection); the app logs each request itself, once. (The autouse
    `_logging_restored` fixture puts the loggers back.)"""
    access = logging.getLogger("uvicorn.access")
    access.addHandler(logging.NullHandler())  # as uvicorn's own logging setup leaves it
    configure()
    assert not access.hasHandlers()
    assert logging.getLogger("uvicorn.error").hasHandlers()


def test_json_line_with_request_id_and_masked_message() -> None:
    token = request_id.set("req-42")
    try:
        record = logging.LogRecord(
            "assistant.test", logging.INFO, __file__, 1, "mail %s", ("a.b@example.com",), None
        )
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert line["request_id"] == "req-42" and line["level"] == "info"
    assert "a.b@example.com" not in line["message"]
