"""The request guard: size, JSON nesting and encoding checked before any route runs.

A pure ASGI middleware, so a chunked body without Content-Length is counted as it arrives
and cut off at the limit; JSON too deeply nested or not UTF-8 is refused with a clear 4xx
before a parser (ours or a framework's) can choke on it. A path with a control character
names nothing (no id of ours holds one): 404 before any route looks it up in a database
that would refuse it (PostgreSQL refuses NUL).
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A tracked link is opened by a browser: its route checks the token's signature before any
# lookup and answers a bad one with a page of its own.
OWN_NOT_FOUND = ("/c/",)


class BodyTooLarge(Exception):
    """The body went over the size limit while it was read."""


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text (brackets inside strings ignored)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def json_problem(body: bytes, max_depth: int) -> str | None:
    """Why a JSON body is refused before parsing, or None."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"body is not valid UTF-8 (byte {exc.start})"
    if body.count(b"[") + body.count(b"{") > max_depth and json_depth(body) > max_depth:
        return f"JSON nested deeper than {max_depth} levels"
    return None


class BodyGuard:
    """413 for a body over `max_bytes`; 400 for JSON that is not UTF-8 or nests too deep."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_json_depth: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_json_depth = max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if CONTROL.search(path) and not path.startswith(OWN_NOT_FOUND):
            await _refuse(send, 404, "not_found", "no such path")
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _refuse(send, 413, "too_large", f"body over {self.max_bytes} bytes")
            return
        try:
            body = await self._read(receive)
        except BodyTooLarge:
            await _refuse(send, 413, "too_large", f"body over {self.max_bytes} bytes")
            return
        is_json = "json" in headers.get("content-type", "")
        if body and is_json and (problem := json_problem(body, self.max_json_depth)):
            await _refuse(send, 400, "invalid_request", problem)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away; the app sees an empty body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then waits for a disconnect."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(send: Send, status: int, error: str, detail: str) -> None:
    payload = json.dumps({"error": error, "detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
