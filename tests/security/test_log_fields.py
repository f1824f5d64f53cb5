"""What the access lines and the request id may carry: no caller-chosen text, no checkout
token, no web conversation id, and card masking that only takes card numbers."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.log import JsonFormatter, mask
from assistant.retrieval.index import CatalogIndex


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("assistant")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield out
    logger.removeHandler(handler)
    logger.setLevel(previous)


@pytest.fixture
def client(demo_index: CatalogIndex, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    concierge = Concierge.from_settings(settings, demo_index)
    with TestClient(create_app(settings, concierge), follow_redirects=False) as client:
        yield client


def _lines(logs: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in logs.getvalue().splitlines() if line.strip()]


@pytest.mark.parametrize(
    "given",
    [
        "jamie@example.com",
        "+1 650 555 0142",
        "4111111111111111",
        'abc", "level": "error',
        "x" * 65,
        "line\nbreak",
    ],
)
def test_a_request_id_that_is_not_a_plain_token_is_replaced(
    client: TestClient, logs: io.StringIO, given: str
) -> None:
    response = client.get("/healthz", headers={"x-request-id": given})
    echoed = response.headers["x-request-id"]
    assert echoed != given and len(echoed) == 32
    assert given not in logs.getvalue()
    assert [e["request_id"] for e in _lines(logs)] == [echoed]


def test_a_plain_request_id_is_kept(client: TestClient, logs: io.StringIO) -> None:
    given = "req-7f3a9c.edge_2"
    assert client.get("/healthz", headers={"x-request-id": given}).headers["x-request-id"] == given
    assert _lines(logs)[-1]["request_id"] == given


def test_access_lines_show_route_templates_not_tokens_or_conversation_ids(
    client: TestClient, logs: io.StringIO
) -> None:
    started = client.post("/api/conversations", json={}).json()
    conversation = started["conversation_id"]
    headers = {"X-Conversation-Secret": started.get("secret", "")}
    client.get(f"/api/conversations/{conversation}/messages", headers=headers)
    client.get("/c/SeCrEtToKeN123")
    client.get("/c/SeCrEtToKeN456/extra")  # no route takes it: the segment is still blanked
    text = logs.getvalue()
    assert conversation not in text
    assert "SeCrEtToKeN" not in text
    messages = [e["message"] for e in _lines(logs)]
    assert "GET /api/conversations/{conversation_id}/messages 200" in messages
    assert "GET /c/{token} 404" in messages


@pytest.mark.parametrize(
    "text",
    [
        "GET /c/AbC-4111111111111111 404",
        "took 1234567890123 ms",  # not a card: fails the Luhn check
        "ids 4111111111111111-7 and v4111111111111111",  # part of other fields
        "total 4111111111111111.50",
    ],
)
def test_the_card_masker_takes_only_card_numbers(text: str) -> None:
    assert "[card" not in mask(text)
    assert mask(text).endswith(text[-3:])  # nothing after the digits is taken with them


@pytest.mark.parametrize(
    "text",
    [
        "card 4111111111111111",
        "card 4111 1111 1111 1111.",
        "card 4111-1111-1111-1111, thanks",
        "amex 3782 822463 10005",
    ],
)
def test_card_numbers_are_masked(text: str) -> None:
    masked = mask(text)
    assert "[card ..." in masked and "1111 1111" not in masked and "822463" not in masked
