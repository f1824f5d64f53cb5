"""Start a web chat the way the widget does: its id, and the headers every later call sends."""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from assistant.api.web_access import SECRET_HEADER


class _Response(Protocol):
    status_code: int

    def json(self) -> Any: ...


class _Client(Protocol):
    def post(self, url: str, *, json: Any = None) -> Any: ...


class Chat(NamedTuple):
    """A started web chat: `id`, the `headers` holding its secret, and the greeting."""

    id: str
    headers: dict[str, str]
    greeting: dict[str, Any]


def start_chat(client: _Client, body: dict[str, Any] | None = None, *, prefix: str = "") -> Chat:
    """`POST {prefix}/api/conversations` and the chat it started (asserting 201)."""
    response: _Response = client.post(f"{prefix}/api/conversations", json=body or {})
    assert response.status_code == 201, response.json()
    started = response.json()
    headers = {SECRET_HEADER: started["secret"]}
    return Chat(str(started["conversation_id"]), headers, started["greeting"])
