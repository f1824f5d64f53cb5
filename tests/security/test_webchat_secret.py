"""A web conversation opens only with its secret, and the console shows an agent only the
conversations handed off to their team.

Table-driven over the app's own routes: a new route under `/api/conversations/{id}` that
forgets the secret, or a console route that forgets the team check, fails here."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.api.app import create_app
from assistant.api.web_access import SECRET_HEADER
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.desk.credentials import new_api_key
from assistant.retrieval.index import CatalogIndex
from assistant.testing.loopback import serve_app
from tests.api.test_route_auth import routes
from tests.desk.conftest import add_agents
from tests.web_chat import Chat, start_chat

WEB = "/api/conversations/{conversation_id}"
CONSOLE = "/console/api/conversations/{conversation_id}"
ASK_FOR_A_PERSON = "I'd like to talk to a person"
MEMBERS = {"sales": "sam", "orders": "olga", "support": "sue"}  # one agent a team, no admins
NOT_FOUND = {"error": "not_found", "detail": "no such conversation"}
BODIES: dict[str, dict[str, Any]] = {  # a valid body for each route that takes one
    f"{WEB}/messages": {"text": "merino socks"},
    f"{WEB}/messages/stream": {"text": "merino socks"},
    f"{WEB}/link": {"phone": "+1 650 555 1234"},
    f"{WEB}/link/verify": {"code": "123456"},
    f"{CONSOLE}/reply": {"text": "Hello from the desk"},
}


@dataclass
class Service:
    url: str
    concierge: Concierge
    keys: dict[str, str]

    def agent(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[username]}"}


@pytest.fixture
def service(demo_index: CatalogIndex, tmp_path: Path) -> Iterator[Service]:
    """The whole service on a loopback port, with agents of two teams and an admin."""
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    concierge = Concierge.from_settings(settings, demo_index)
    keys = add_agents(concierge.store)  # sam (sales), olga (orders), ada (admin, support)
    concierge.store.create_agent("sue", team="support")
    keys["sue"], key_hash = new_api_key()
    concierge.store.update_agent("sue", api_key_hash=key_hash)
    with serve_app(create_app(settings, concierge), name="concierge app") as url:
        yield Service(url, concierge, keys)


@pytest.fixture
def http(service: Service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=30) as client:
        yield client


APP = create_app(Settings(_env_file=None))  # type: ignore[call-arg]  # its routes, not served


def under(prefix: str) -> list[tuple[str, str]]:
    """(method, path) of every route of the app under `prefix`, found by walking the app."""
    return sorted((method, path) for method, path in routes(APP) if path.startswith(prefix))


WEB_ROUTES = under(WEB)
CONSOLE_ROUTES = under(CONSOLE)


def call(
    http: httpx.Client, method: str, path: str, conversation_id: str, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    """Call a route for `conversation_id`: its status and JSON body (a live stream is closed
    as soon as its headers are in)."""
    url = path.replace("{conversation_id}", conversation_id)
    body = BODIES.get(path) if method == "POST" else None
    with http.stream(method, url, json=body, headers=headers) as response:
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            return response.status_code, {}
        response.read()
        return response.status_code, response.json()


def test_the_tables_cover_the_routes() -> None:
    paths = {path for _, path in WEB_ROUTES}
    assert {f"{WEB}/messages", f"{WEB}/events", f"{WEB}/link", f"{WEB}/link/verify"} <= paths
    assert len(WEB_ROUTES) >= 6 and len(CONSOLE_ROUTES) >= 6


@pytest.mark.parametrize(("method", "path"), WEB_ROUTES)
def test_every_web_chat_route_needs_the_conversations_own_secret(
    http: httpx.Client, method: str, path: str
) -> None:
    mine, other = start_chat(http), start_chat(http)
    forged = {SECRET_HEADER: other.headers[SECRET_HEADER][:-1] + "A"}
    for headers in ({}, {SECRET_HEADER: ""}, other.headers, forged):
        status, body = call(http, method, path, mine.id, headers)
        assert (status, body) == (404, NOT_FOUND), (method, path, headers)
    unknown = call(http, method, path, "no-such-conversation", mine.headers)
    assert unknown == (404, NOT_FOUND)
    status, body = call(http, method, path, mine.id, mine.headers)
    assert (status, body) != (404, NOT_FOUND) and status < 500, (method, path, body)


def test_the_secret_is_given_once_and_only_its_hash_is_kept(http: httpx.Client) -> None:
    chat = start_chat(http)
    secret = chat.headers[SECRET_HEADER]
    assert len(secret) >= 40  # 256 random bits
    reply = http.post(
        f"/api/conversations/{chat.id}/messages", json={"text": "hi"}, headers=chat.headers
    )
    assert reply.status_code == 200 and secret not in reply.text
    history = http.get(f"/api/conversations/{chat.id}/messages", headers=chat.headers)
    assert history.status_code == 200 and secret not in history.text


def test_the_store_keeps_only_the_hash(service: Service, http: httpx.Client) -> None:
    chat = start_chat(http)
    row = service.concierge.get(chat.id)
    assert row is not None
    assert row.secret_hash == hashlib.sha256(chat.headers[SECRET_HEADER].encode()).hexdigest()


def test_a_conversation_without_a_secret_cannot_be_resumed(
    service: Service, http: httpx.Client
) -> None:
    """A web chat opened before conversations had secrets: no secret (not even none) opens it."""
    old = service.concierge.store.get_or_create_conversation("old-web-chat", "web", "v-1", "a")
    assert old.secret_hash is None
    for headers in ({}, {SECRET_HEADER: ""}, {SECRET_HEADER: "anything"}):
        response = http.get(f"/api/conversations/{old.id}/messages", headers=headers)
        assert (response.status_code, response.json()) == (404, NOT_FOUND)


def _handed_off(http: httpx.Client, service: Service) -> tuple[Chat, str, str]:
    """A web chat handed to a person: the chat, an agent of its team, one of another team."""
    chat = start_chat(http)
    path = f"/api/conversations/{chat.id}/messages"
    handed = http.post(path, json={"text": ASK_FOR_A_PERSON}, headers=chat.headers).json()
    assert handed["waiting_for_human"] is True
    ticket = service.concierge.store.latest_ticket(chat.id)
    assert ticket is not None
    member = MEMBERS[ticket.team]
    return chat, member, next(m for m in MEMBERS.values() if m != member)


@pytest.mark.parametrize(("method", "path"), CONSOLE_ROUTES)
def test_an_agent_of_another_team_gets_404_from_every_console_route(
    service: Service, http: httpx.Client, method: str, path: str
) -> None:
    chat, _, stranger = _handed_off(http, service)
    status, body = call(http, method, path, chat.id, service.agent(stranger))
    assert status == 404 and body["error"] == "not_found", (method, path, body)


def test_the_team_and_admins_see_it_and_nobody_sees_a_chat_never_handed_off(
    service: Service, http: httpx.Client
) -> None:
    chat, member, stranger = _handed_off(http, service)
    bot_only = start_chat(http)
    for agent in (member, "ada"):
        opened = http.get(f"/console/api/conversations/{chat.id}", headers=service.agent(agent))
        assert opened.status_code == 200
        queue = http.get("/console/api/queue", headers=service.agent(agent)).json()["tickets"]
        assert [t["conversation_id"] for t in queue] == [chat.id]
    assert http.get("/console/api/queue", headers=service.agent(stranger)).json() == {"tickets": []}
    for agent in (member, stranger, "ada"):
        response = http.get(
            f"/console/api/conversations/{bot_only.id}", headers=service.agent(agent)
        )
        assert response.status_code == 404


def _listen(http: httpx.Client, headers: dict[str, str], lines: list[str]) -> threading.Thread:
    """Read the console's event stream into `lines` until it is quiet for 4 seconds."""

    def read() -> None:
        timeout = httpx.Timeout(30, read=4)
        try:
            with http.stream("GET", "/console/api/events", headers=headers, timeout=timeout) as r:
                assert r.status_code == 200
                lines.extend(r.iter_lines())
        except httpx.ReadTimeout:
            pass

    thread = threading.Thread(target=read)
    thread.start()
    return thread


def test_the_console_stream_carries_only_the_agents_conversations(
    service: Service, http: httpx.Client
) -> None:
    heard: dict[str, list[str]] = {"member": [], "stranger": [], "admin": []}
    chat, member, stranger = _handed_off(http, service)
    agents = {"member": member, "stranger": stranger, "admin": "ada"}
    listeners = [_listen(http, service.agent(agents[k]), heard[k]) for k in heard]
    bot_only = start_chat(http)
    http.post(f"/api/conversations/{bot_only.id}/messages", json={"text": "merino socks"},
              headers=bot_only.headers)  # fmt: skip
    http.post(f"/api/conversations/{chat.id}/messages", json={"text": "hello?"},
              headers=chat.headers)  # fmt: skip
    for thread in listeners:
        thread.join(timeout=30)
    for who, lines in heard.items():
        carried = "\n".join(lines)
        assert bot_only.id not in carried, who  # never handed off: nobody hears of it
    assert chat.id in "\n".join(heard["member"]) and chat.id in "\n".join(heard["admin"])
    assert chat.id not in "\n".join(heard["stranger"])
