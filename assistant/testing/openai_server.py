"""A small OpenAI-compatible server on loopback: real HTTP for the real `openai` client.

Embeddings are deterministic (a hash of the text spread over a few dimensions, so equal texts
get equal vectors and different texts differ). Chat completions follow a script of answers,
streamed as Server-Sent Events when the request asks for ``"stream": true``:

    fake = FakeOpenAI()
    fake.script([
        tool_call("search_products", {"query": "rain jacket"}),
        lambda request: text(f"I found {len(tool_results(request))} result sets."),
    ])
    with serve(fake) as base_url:            # http://127.0.0.1:PORT/v1
        model = ChatOpenAI(model="any", api_key="sk-test", base_url=base_url)

An entry may be a function of the request body (to quote what a tool returned). Every request
is recorded (`fake.requests`, `fake.chat_requests`). Failures can be queued: `fail_next(500)`
answers with that status, `delay_next(2.0)` answers late (for client timeouts), `drop_next()`
cuts a streamed answer after a few chunks, and `tool_call(name, "{not json")` sends arguments
verbatim, so malformed JSON is one string away.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.testing.loopback import serve_app

CHAT_PATH = "/v1/chat/completions"
WORDS_PER_CHUNK = 2
ARGUMENT_PIECES = 3


def fake_embedding(text: str, dimension: int) -> list[float]:
    """A unit vector determined by the text's words (shared words -> similar vectors)."""
    vector = [0.0] * dimension
    for word in text.lower().split():
        digest = hashlib.sha256(word.encode()).digest()
        vector[int.from_bytes(digest[:4], "big") % dimension] += 1.0
    norm = sum(v * v for v in vector) ** 0.5 or 1.0
    return [v / norm for v in vector]


@dataclass(frozen=True)
class ToolCall:
    """One function call the model makes; `arguments` is the JSON text sent, valid or not."""

    name: str
    arguments: str


@dataclass(frozen=True)
class Completion:
    """One scripted answer of the model: text, tool calls, or both."""

    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()


Scripted = Completion | Callable[[dict[str, Any]], Completion]


def call(name: str, arguments: dict[str, Any] | str) -> ToolCall:
    """A tool call; a dict is sent as JSON, a string verbatim (to send malformed arguments)."""
    return ToolCall(name, arguments if isinstance(arguments, str) else json.dumps(arguments))


def tool_call(name: str, arguments: dict[str, Any] | str) -> Completion:
    """An answer that calls one tool."""
    return Completion(tool_calls=(call(name, arguments),))


def tool_calls(*calls: ToolCall, content: str = "") -> Completion:
    """An answer that calls several tools at once (parallel tool calls)."""
    return Completion(content=content, tool_calls=calls)


def text(content: str) -> Completion:
    """A plain text answer (streamed a couple of words per chunk)."""
    return Completion(content=content)


def messages(request: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """The messages of a recorded chat request that have this role ("system", "tool", ...)."""
    return [m for m in request.get("messages", []) if m.get("role") == role]


def tool_results(request: dict[str, Any]) -> list[Any]:
    """The tool results a chat request carries, parsed from JSON where they are JSON."""
    found = []
    for message in messages(request, "tool"):
        try:
            found.append(json.loads(message["content"]))
        except (TypeError, ValueError):
            found.append(message["content"])
    return found


class FakeOpenAI:
    """The server's behaviour: what it answers, what it recorded, which failures are queued."""

    def __init__(self, *, dimension: int = 64, retry_after_s: float = 0.01) -> None:
        self.dimension = dimension
        self.retry_after_s = retry_after_s  # sent with failures so client retries stay fast
        self.requests: list[dict[str, Any]] = []
        self._failures: deque[int] = deque()
        self._delays: deque[float] = deque()
        self._drops: deque[int] = deque()
        self._script: deque[Scripted] = deque()
        self._ids = itertools.count(1)
        self.app = self._build()

    def script(self, answers: Iterable[Scripted]) -> None:
        """Queue chat answers, answered in order, one per chat request that gets through."""
        self._script.extend(answers)

    def clear(self) -> None:
        """Forget queued answers, failures, delays and drops (requests stay recorded)."""
        for queue in (self._script, self._failures, self._delays, self._drops):
            queue.clear()

    @property
    def pending(self) -> int:
        """How many scripted answers are still queued."""
        return len(self._script)

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        """The bodies of every chat request received, failed ones included."""
        return [r["body"] for r in self.requests if r["path"] == CHAT_PATH]

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next `times` requests (any endpoint) with `status` and an OpenAI-style error
        body; `retry-after-ms` (from `retry_after_s`) keeps the client's retries quick."""
        self._failures.extend([status] * times)

    def delay_next(self, seconds: float, times: int = 1) -> None:
        """Hold the next `times` requests for `seconds` before answering. A held request whose
        client gave up (timed out) meanwhile is dropped and consumes nothing else."""
        self._delays.extend([seconds] * times)

    def drop_next(self, after_chunks: int = 3, times: int = 1) -> None:
        """Cut the next `times` streamed chat answers: send `after_chunks` chunks, then close the
        connection. The cut answer leaves the script."""
        self._drops.extend([after_chunks] * times)

    async def _gate(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """Record the request, apply a queued delay or failure, else let `app` answer it."""
        if scope["type"] != "http":
            return await app(scope, receive, send)
        raw = await _body(receive)
        self.requests.append({"path": scope["path"], "body": _json(raw)})
        if self._delays and not await _held(receive, self._delays.popleft()):
            return None  # the client gave up: nobody is listening any more
        if self._failures:
            return await self._failure(self._failures.popleft())(scope, receive, send)
        body: list[Message] = [{"type": "http.request", "body": raw, "more_body": False}]

        async def replay() -> Message:  # the body once more, then the real channel
            return body.pop() if body else await receive()

        try:
            await app(scope, replay, send)
        except StreamCut:
            return None  # uvicorn closes the connection of an unfinished response

    def _build(self) -> FastAPI:
        app = FastAPI()
        app.add_middleware(_Gate, fake=self)

        @app.post("/v1/embeddings")
        async def embeddings(request: Request) -> dict[str, Any]:
            body = await request.json()
            inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
            data = [
                {"object": "embedding", "index": i, "embedding": fake_embedding(t, self.dimension)}
                for i, t in enumerate(inputs)
            ]
            return {"object": "list", "data": data, "model": body["model"], "usage": _usage()}

        @app.post(CHAT_PATH, response_model=None)
        async def chat(request: Request) -> Response | dict[str, Any]:
            body = await request.json()
            if not self._script:
                message = "FakeOpenAI: no scripted answer left for this chat request"
                return JSONResponse(_error(message, "invalid_request_error"), status_code=400)
            entry = self._script.popleft()
            answer = entry if isinstance(entry, Completion) else entry(body)
            reply_id, model = f"chatcmpl-fake-{next(self._ids)}", str(body.get("model", ""))
            ids = [f"call_{next(self._ids)}" for _ in answer.tool_calls]
            if not body.get("stream"):
                return _completion(reply_id, model, answer, ids)
            usage = bool((body.get("stream_options") or {}).get("include_usage"))
            chunks = _chunks(reply_id, model, answer, ids, usage)
            cut = self._drops.popleft() if self._drops else None
            return StreamingResponse(_events(chunks, cut), media_type="text/event-stream")

        return app

    def _failure(self, status: int) -> JSONResponse:
        kind = "rate_limit_exceeded" if status == 429 else "server_error"
        headers = {"retry-after-ms": str(max(1, round(self.retry_after_s * 1000)))}
        return JSONResponse(_error(f"injected {status}", kind), status_code=status, headers=headers)


class _Gate:
    """Pure ASGI middleware (a streamed answer can be cut, unlike with BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp, fake: FakeOpenAI) -> None:
        self.app, self.fake = app, fake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.fake._gate(self.app, scope, receive, send)


class StreamCut(ConnectionError):
    """Raised inside the server to drop a streamed answer mid-way (see `drop_next`)."""


async def _body(receive: Receive) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        return {"raw": raw.decode(errors="replace")}


async def _held(receive: Receive, seconds: float) -> bool:
    """Wait `seconds`; False as soon as the client disconnects."""
    try:
        message = await asyncio.wait_for(receive(), timeout=seconds)
    except TimeoutError:
        return True
    return message["type"] != "http.disconnect"


def _completion(reply_id: str, model: str, answer: Completion, ids: list[str]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": answer.content or None}
    if ids:
        message["tool_calls"] = [
            {"id": i, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for i, c in zip(ids, answer.tool_calls, strict=True)
        ]
    finish = "tool_calls" if ids else "stop"
    choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
    return {**_head(reply_id, model, "chat.completion"), "choices": [choice], "usage": _usage()}


def _chunks(
    reply_id: str, model: str, answer: Completion, ids: list[str], usage: bool
) -> list[dict[str, Any]]:
    """The chat.completion.chunk objects of one answer, in OpenAI's streaming format."""
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
    deltas += [{"content": piece} for piece in _words(answer.content)]
    for index, (call_id, made) in enumerate(zip(ids, answer.tool_calls, strict=True)):
        function = {"name": made.name, "arguments": ""}
        opening = {"index": index, "id": call_id, "type": "function", "function": function}
        deltas.append({"tool_calls": [opening]})
        deltas += [
            {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
            for piece in _pieces(made.arguments)
        ]
    choices: list[dict[str, Any]] = [
        {"index": 0, "delta": d, "finish_reason": None} for d in deltas
    ]
    choices.append({"index": 0, "delta": {}, "finish_reason": "tool_calls" if ids else "stop"})
    head = _head(reply_id, model, "chat.completion.chunk")
    chunks = [{**head, "choices": [choice]} for choice in choices]
    return chunks + ([{**head, "choices": [], "usage": _usage()}] if usage else [])


def _head(reply_id: str, model: str, kind: str) -> dict[str, Any]:
    return {"id": reply_id, "object": kind, "created": int(time.time()), "model": model}


async def _events(chunks: list[dict[str, Any]], cut: int | None) -> AsyncIterator[bytes]:
    for sent, chunk in enumerate(chunks):
        if cut is not None and sent >= cut:
            raise StreamCut(f"FakeOpenAI dropped the stream after {cut} chunks")
        yield f"data: {json.dumps(chunk)}\n\n".encode()
    yield b"data: [DONE]\n\n"


def _words(content: str) -> list[str]:
    """The text in pieces of a few words; joined, they give the text back exactly."""
    words = [w for w in re.split(r"(?<=\s)(?=\S)", content) if w]
    return ["".join(words[i : i + WORDS_PER_CHUNK]) for i in range(0, len(words), WORDS_PER_CHUNK)]


def _pieces(arguments: str) -> list[str]:
    step = max(1, -(-len(arguments) // ARGUMENT_PIECES))
    return [arguments[i : i + step] for i in range(0, len(arguments), step)]


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


def _usage() -> dict[str, int]:
    return {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}


@contextmanager
def serve(fake: FakeOpenAI) -> Iterator[str]:
    """Run the fake on a free loopback port; yields its base URL (ending in /v1)."""
    with serve_app(fake.app, name="fake OpenAI server") as base_url:
        yield f"{base_url}/v1"
