"""Fuzzing the HTTP API from its own OpenAPI schema (schemathesis, in process over ASGI): no
request, however malformed, gets a 5xx; every error is a JSON body saying what was wrong."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.retrieval.index import CatalogIndex
from assistant.storable import storable
from assistant.store import Store
from assistant.testing.shoppers import enable_channels
from tests.store import conftest as store_fixtures
from tests.web_chat import Chat, start_chat

postgres_url = store_fixtures.postgres_url

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays stable
    suppress_health_check=list(HealthCheck),
)


def _fuzzed_app(
    demo_index: CatalogIndex, tmp_path_factory: pytest.TempPathFactory, store: Store | None = None
) -> Iterator[TestClient]:
    data = tmp_path_factory.mktemp("fuzz") / "data"
    config = enable_channels(Settings(data_dir=data, _env_file=None), "http://127.0.0.1:9")  # type: ignore[call-arg]
    config.limits.ip_per_minute = config.limits.sender_per_minute = 1_000_000.0
    config.limits.ip_burst = config.limits.sender_burst = 1_000_000
    concierge = Concierge.from_settings(config, demo_index, store=store)
    with TestClient(create_app(config, concierge), raise_server_exceptions=False) as ready:
        yield ready


@pytest.fixture(scope="module")
def client(
    demo_index: CatalogIndex, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    yield from _fuzzed_app(demo_index, tmp_path_factory)


@pytest.fixture(scope="module")
def pg_client(
    demo_index: CatalogIndex, tmp_path_factory: pytest.TempPathFactory, postgres_url: str
) -> Iterator[TestClient]:
    """The same service on PostgreSQL, which refuses what SQLite stores (a NUL byte)."""
    store = Store.open(postgres_url)
    store_fixtures._empty(store)
    try:
        yield from _fuzzed_app(demo_index, tmp_path_factory, store)
    finally:
        store.close()


def _clear(response: Any, *, page: bool = False) -> None:
    """Below 500, and an error names its problem in JSON (a page for browsers: in HTML)."""
    assert response.status_code < 500, (response.status_code, response.text[:300])
    if response.status_code >= 400 and page:
        assert "<h1>" in response.text
    elif response.status_code >= 400:
        kind = response.headers.get("content-type", "")
        kind = kind[0] if isinstance(kind, list) else kind  # schemathesis keeps lists
        assert kind.startswith("application/json"), response.text
        assert response.json().get("error"), response.text


def test_every_operation_from_the_schema(client: TestClient) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 8  # the web chat API, webhooks, redirects, health
    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy())
        def fuzz(case: Any) -> None:
            _clear(case.call(), page=case.path.startswith("/c/"))

        fuzz()


@pytest.fixture(scope="module")
def conversation(client: TestClient) -> Chat:
    return start_chat(client)


# Any code point, surrogates and controls included, and the ones that broke storage more often.
HOSTILE = st.text(
    st.characters(exclude_categories=())
    | st.sampled_from(["\x00", "\ud800", "\udfff", "\x1b", "\r", "\u202e", "\u0301", "\x85"]),
    max_size=40,
)
BODIES = (
    st.binary(max_size=300)
    | st.text(max_size=300).map(str.encode)
    | st.recursive(
        st.none() | st.booleans() | st.integers() | HOSTILE,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(HOSTILE, inner, max_size=3),
        max_leaves=15,
    ).map(lambda v: json.dumps(v).encode())
)


@FUZZ
@given(body=BODIES, content_type=st.sampled_from(["application/json", "text/plain", ""]))
def test_message_bodies_to_a_real_conversation(
    client: TestClient, conversation: Chat, body: bytes, content_type: str
) -> None:
    typed = {"content-type": content_type} if content_type else {}
    for path in ("messages", "messages/stream"):
        response = client.post(
            f"/api/conversations/{conversation.id}/{path}",
            content=body,
            headers={**typed, **conversation.headers},
        )
        _clear(response)


@FUZZ
@given(
    channel=st.sampled_from(["whatsapp", "messenger", "sms", "instagram", "telegram"]),
    body=st.binary(max_size=400),
    signature=st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80),
)
def test_webhook_bodies(client: TestClient, channel: str, body: bytes, signature: str) -> None:
    headers = {"x-hub-signature-256": signature, "x-twilio-signature": signature}
    _clear(client.post(f"/webhooks/{channel}", content=body, headers=headers))


@pytest.mark.parametrize("backend", ["client", "pg_client"])
@FUZZ
@given(text=HOSTILE, quick_reply=st.none() | HOSTILE)
def test_hostile_text_is_stored_and_answered(
    request: pytest.FixtureRequest, backend: str, text: str, quick_reply: str | None
) -> None:
    fuzzed: TestClient = request.getfixturevalue(backend)
    chat = start_chat(fuzzed)
    headers = {**chat.headers, "Content-Type": "application/json"}
    body = json.dumps({"text": f"socks {text}", "quick_reply": quick_reply}).encode()
    for path in ("messages", "messages/stream"):
        response = fuzzed.post(
            f"/api/conversations/{chat.id}/{path}", content=body, headers=headers
        )
        assert response.status_code == 200, response.text[:300]
    history = fuzzed.get(f"/api/conversations/{chat.id}/messages", headers=chat.headers)
    said = [m["text"] for m in history.json()["messages"] if m["role"] == "shopper"]
    assert said == [storable(f"socks {text}")] * 2


def test_the_fuzzed_service_still_answers(client: TestClient, conversation: Chat) -> None:
    reply = client.post(
        f"/api/conversations/{conversation.id}/messages",
        json={"text": "merino socks"},
        headers=conversation.headers,
    )
    assert reply.status_code == 200 and reply.json()["text"]
