"""Logs are JSON with a request id, and never carry emails, phone or card numbers."""

from __future__ import annotations

import json
import logging

import pytest

from assistant.log import JsonFormatter, mask, request_id


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


def test_ordinary_text_is_kept() -> None:
    text = "order #W1000001 shipped, $189.00, size 10"
    assert mask(text) == text


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
