"""A fake external helpdesk for tests and demos: it receives the desk's signed webhooks
(checking the signature as a real integration would), can be told to fail, and builds signed
replies for `POST /desk/webhook/reply`."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from assistant.desk.helpdesk import SIGNATURE, TIMESTAMP, sign


@dataclass
class Received:
    """One webhook call as the fake saw it."""

    body: dict[str, Any]
    headers: dict[str, str]
    signature_ok: bool
    status: int


@dataclass
class FakeHelpdesk:
    """Records webhook calls; `fail_next(status, times)` makes the next calls fail."""

    secret: str
    received: list[Received] = field(default_factory=list)
    _failures: list[int] = field(default_factory=list)

    def fail_next(self, status: int = 503, times: int = 1) -> None:
        self._failures.extend([status] * times)

    def accepted(self) -> list[dict[str, Any]]:
        """Bodies of the calls answered with 2xx."""
        return [r.body for r in self.received if 200 <= r.status < 300]

    @property
    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hooks/concierge")
        async def hook(request: Request) -> JSONResponse:
            raw = await request.body()
            ok = request.headers.get(SIGNATURE, "") == sign(self.secret, raw)
            status = 401 if not ok else (self._failures.pop(0) if self._failures else 200)
            headers = {k.lower(): v for k, v in request.headers.items()}
            self.received.append(Received(json.loads(raw), headers, ok, status))
            return JSONResponse({"ok": status == 200}, status_code=status)

        return app


def signed_reply(
    secret: str,
    conversation_id: str,
    text: str = "",
    *,
    action: str = "reply",
    agent: str = "Hana",
    reply_id: str | None = None,
    timestamp: float | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A helpdesk agent's signed reply: the raw body and its headers."""
    stamp = time.time() if timestamp is None else timestamp
    document = {
        "id": reply_id or f"reply-{secrets.token_hex(6)}", "timestamp": int(stamp),
        "conversation_id": conversation_id, "action": action, "text": text, "agent": agent,
    }  # fmt: skip
    body = json.dumps(document).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE: sign(secret, body),
        TIMESTAMP: str(int(stamp)),
    }
    return body, headers
