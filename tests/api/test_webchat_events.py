"""The shopper's live stream (`/api/conversations/{id}/events`): every message event has an
id, a reconnect with `Last-Event-ID` gets what was sent in the gap exactly once, and a quiet
stream sends keep-alive comments."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.sse import ServerSentEvent

from assistant.api.app import create_app
from assistant.api.webchat_events import resume_after, shopper_stream
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.messages import InboundMessage, Reply
from assistant.retrieval.index import CatalogIndex
from assistant.store import Store
from assistant.testing.loopback import serve_app
from tests.store.conftest import postgres_url, store  # noqa: F401  (both backends)
from tests.web_chat import start_chat


def _conversation(store: Store) -> str:  # noqa: F811
    row = store.get_or_create_conversation("web-live", "web", "anonymous-1", "default")
    store.record_inbound(row.id, InboundMessage(channel="web", sender="anonymous-1", text="help"))
    return row.id


def _agent_says(store: Store, conversation_id: str, text: str) -> int:  # noqa: F811
    return store.record_outbound(conversation_id, Reply(text=text), channel="web", status="sent").id


async def _take(events: AsyncIterator[ServerSentEvent], count: int) -> list[ServerSentEvent]:
    """The next `count` events; fails after 10 seconds without them."""

    async def take() -> list[ServerSentEvent]:
        taken = []
        async for event in events:
            taken.append(event)
            if len(taken) == count:
                break
        return taken

    return await asyncio.wait_for(take(), timeout=10)


def test_message_events_carry_their_ids_and_a_quiet_stream_keeps_alive(
    store: Store,  # noqa: F811
) -> None:
    conversation_id = _conversation(store)

    async def run() -> ServerSentEvent:
        events = shopper_stream(store, conversation_id, poll_s=0.02, keepalive_s=0.1)
        opening, state = await _take(events, 2)  # where it starts, then the state
        assert opening.data is None and opening.id is not None and opening.retry
        assert state.event == "state" and state.data == {"state": "bot"}
        sent = _agent_says(store, conversation_id, "Sam here: on its way.")
        message, quiet = await _take(events, 2)
        assert message.event == "message" and message.id == str(sent)
        assert message.data["text"] == "Sam here: on its way." and message.data["id"] == sent
        await events.aclose()
        return quiet

    quiet = asyncio.run(run())
    assert quiet.comment == "keep-alive" and quiet.event is None and quiet.data is None


def test_a_reconnect_gets_the_replies_of_the_gap_once(store: Store) -> None:  # noqa: F811
    conversation_id = _conversation(store)

    async def run() -> tuple[str, list[ServerSentEvent]]:
        first = shopper_stream(store, conversation_id, poll_s=0.02)
        opening, _ = await _take(first, 2)
        await first.aclose()  # the connection drops ...
        _agent_says(store, conversation_id, "Are you still there?")  # ... an agent replies
        _agent_says(store, conversation_id, "I found your order.")
        assert opening.id is not None
        again = shopper_stream(store, conversation_id, resume_after(opening.id), poll_s=0.02)
        events = await _take(again, 3)  # opening, two messages, ...
        events += await _take(again, 1)  # ... then the state (no message twice)
        await again.aclose()
        return opening.id, events

    last_seen, events = asyncio.run(run())
    messages = [e for e in events if e.event == "message"]
    assert [e.data["text"] for e in messages] == ["Are you still there?", "I found your order."]
    assert all(int(e.id or 0) > int(last_seen) for e in messages)
    assert [e.event for e in events] == [None, "message", "message", "state"]


def test_a_bad_last_event_id_is_a_fresh_start() -> None:
    assert resume_after("41") == 41
    for bad in (None, "", "abc", "-3", "1" * 30, "4 1"):
        assert resume_after(bad) is None


@pytest.fixture
def served(demo_index: CatalogIndex, tmp_path: Path) -> Iterator[tuple[str, Concierge]]:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    concierge = Concierge.from_settings(settings, demo_index)
    with serve_app(create_app(settings, concierge), name="concierge app") as url:
        yield url, concierge


def _read(response: httpx.Response, until: str) -> str:
    """The stream's text up to and including the first block containing `until` (within
    about 20 seconds: a keep-alive comment wakes the read every 15)."""
    text, deadline = "", time.monotonic() + 20
    for chunk in response.iter_text():
        text += chunk
        if until in text and text.rstrip(" ").endswith("\n\n"):
            return text
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"the stream ended before {until!r}: {text!r}")


def test_over_http_last_event_id_resumes_after_the_gap(served: tuple[str, Concierge]) -> None:
    url, concierge = served
    with httpx.Client(base_url=url, timeout=20) as http:
        chat = start_chat(http)
        events = f"/api/conversations/{chat.id}/events"
        with http.stream("GET", events, headers=chat.headers) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            opening = _read(response, "id: ")
        seen = opening.split("id: ")[1].split("\n")[0]
        missed = _agent_says(concierge.store, chat.id, "Sorry for the wait!")
        headers = {**chat.headers, "Last-Event-ID": seen}
        with http.stream("GET", events, headers=headers) as response:
            resumed = _read(response, "Sorry for the wait!")
    assert f"id: {missed}" in resumed and resumed.count("Sorry for the wait!") == 1
