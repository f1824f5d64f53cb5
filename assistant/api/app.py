"""The app factory: `create_app(settings)` for `assistant serve`, tests and any ASGI server."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from assistant.api import (
    admin_api,
    analytics_api,
    console_api,
    console_page,
    helpdesk_webhook,
    linking,
    redirects,
    storefront,
    webchat,
    webchat_events,
    webhooks,
)
from assistant.api.guard import BodyGuard
from assistant.api.limits import Limits, RateLimited
from assistant.api.turn_slots import TurnSlots
from assistant.api.web_senders import WebSenders
from assistant.channels.registry import build_adapters
from assistant.config import Settings, get_settings
from assistant.conversation import Concierge
from assistant.delivery import Courier
from assistant.desk.helpdesk import HelpdeskNotifier
from assistant.errors import AssistantError, ConfigurationError
from assistant.log import request_id, safe_request_id
from assistant.store import RecordNotFound, StoreUnavailable
from assistant.store.errors import ConversationBusy

log = logging.getLogger("assistant.api")
RETRY_AFTER_S = 5  # what a 503 for a busy database asks callers to wait
_SECRET_SEGMENT = re.compile(r"(/c/|/api/conversations/)[^/]+")


def create_app(settings: Settings, concierge: Concierge | None = None) -> FastAPI:
    """The service on these settings; a ready `concierge` may be passed in (tests)."""

    adapters = build_adapters(settings.channels)  # a half-configured channel fails here

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ready = concierge or Concierge.from_settings(settings)
        app.state.concierge = ready
        app.state.adapters = adapters
        app.state.courier = Courier(
            ready.store, {str(k): v for k, v in adapters.items()}, ready.prompts
        )
        ready.deliver_through(app.state.courier.payloads)  # a reply is queued with its turn
        app.state.turn_slots = TurnSlots(
            ready.settings.server.turns_at_once(ready.settings.chat_model())
        )
        app.state.web_senders = WebSenders(ready)
        stop = asyncio.Event()
        started = datetime.now(UTC)
        async with httpx.AsyncClient() as client:
            delivery = asyncio.create_task(app.state.courier.run(client, stop))
            notifier = HelpdeskNotifier(ready.store, settings.desk)
            helpdesk = asyncio.create_task(notifier.run(client, stop))
            recovery = asyncio.create_task(webhooks.sweep(ready, app.state.courier, started, stop))
            settle_the_heap()
            app.state.ready = True
            try:
                yield
            finally:
                stop.set()
                await recovery
                await delivery
                await helpdesk
                gc.unfreeze()  # a process that builds another app (tests) collects this one

    # Starlette's own slash redirect builds an absolute URL from the Host header (a forged
    # Host became the Location); `_errors` redirects with a relative path instead.
    app = FastAPI(title="Concierge", version="0.1.0", lifespan=lifespan, redirect_slashes=False)
    app.state.settings = settings
    app.state.ready = False
    app.state.limits = Limits(settings.limits)
    app.include_router(webchat.router)
    app.include_router(linking.router)
    app.include_router(webchat_events.router)
    app.include_router(redirects.router)
    app.include_router(webhooks.router)
    app.include_router(storefront.router)
    app.include_router(console_api.router)
    app.include_router(admin_api.router)
    app.include_router(helpdesk_webhook.router)
    app.include_router(console_page.router)
    app.include_router(analytics_api.router)
    _health(app)
    _errors(app)
    app.add_middleware(
        BodyGuard,
        max_bytes=settings.server.max_body_bytes,
        max_json_depth=settings.limits.max_json_depth,
    )
    app.add_middleware(RequestContext)
    if settings.server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.server.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=[
                "content-type",
                "x-request-id",
                "x-conversation-secret",
                "last-event-id",
            ],
        )
    if proxies := settings.server.forwarded_allow_ips:  # outermost: all see the shopper's address
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    return app


def settle_the_heap() -> None:
    """Move what start-up loaded (the catalog, the index, the prompts: several hundred thousand
    objects that live as long as the process) out of the garbage collector's sight. A full
    collection then walks only what requests allocate: measured on the 10,000-product catalog,
    one took 338 ms and stalled every request of the worker meanwhile."""
    gc.collect()
    gc.freeze()


def app_from_environment() -> FastAPI:
    """The service on the settings of the environment: the factory each worker of
    `assistant serve --workers N` (or any ASGI server, e.g. `uvicorn --factory`) calls."""
    from assistant import log

    log.configure()
    return create_app(get_settings())


def _health(app: FastAPI) -> None:
    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={503: {"description": "not ready"}})
    def readyz(request: Request) -> JSONResponse:
        """The catalog index is loaded and the assistant can answer."""
        if not request.app.state.ready:
            return JSONResponse({"status": "starting"}, status_code=503)
        concierge: Concierge = request.app.state.concierge
        return JSONResponse(
            {"status": "ready", "products": len(concierge.catalog.products.products)}
        )


def _errors(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and (target := _without_slash(request)):
            return RedirectResponse(target, status_code=307)
        return JSONResponse(
            {"error": _code(exc.status_code), "detail": str(exc.detail)}, exc.status_code
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5]
        )
        return JSONResponse({"error": "invalid_request", "detail": problems}, 422)

    @app.exception_handler(RateLimited)
    async def limited(request: Request, exc: RateLimited) -> JSONResponse:
        headers = {"retry-after": exc.retry_after}
        return JSONResponse({"error": "rate_limited", "detail": str(exc)}, 429, headers)

    @app.exception_handler(AssistantError)
    async def ours(request: Request, exc: AssistantError) -> JSONResponse:
        if isinstance(exc, RecordNotFound):  # gone while the request ran (erased, say)
            return JSONResponse({"error": "not_found", "detail": str(exc)}, 404)
        status = 500 if isinstance(exc, ConfigurationError) else 503
        log.error("request failed: %s", type(exc).__name__)  # its text may quote the request
        # A busy or unreachable database is brief: callers (providers too) should come back.
        busy = isinstance(exc, StoreUnavailable | ConversationBusy)
        headers = {"retry-after": str(RETRY_AFTER_S)} if busy else None
        # The text of a database's or a vendor's error stays in the server: it names tables and
        # values, and helps an attacker more than a caller.
        detail = _detail(exc)
        return JSONResponse({"error": type(exc).__name__, "detail": detail}, status, headers)


def _detail(exc: AssistantError) -> str:
    """What a caller is told of a failure: our words, never the error's own text."""
    if isinstance(exc, StoreUnavailable):
        return "database unavailable; try again shortly"
    if isinstance(exc, ConversationBusy):
        return "the conversation is busy; try again shortly"
    if isinstance(exc, ConfigurationError):
        return "the service is misconfigured"
    return "the request could not be completed; try again later"


def _without_slash(request: Request) -> str | None:
    """For a path ending in '/' that no route takes but would without the slash: that path
    (with the query), relative, so a client's Host header never makes the Location."""
    path = request.url.path
    if len(path) < 2 or not path.endswith("/"):
        return None
    scope = {**request.scope, "path": path.rstrip("/")}
    if not any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
        return None
    query = request.url.query
    return "/" + scope["path"].lstrip("/") + (f"?{query}" if query else "")


def _code(status: int) -> str:
    return {404: "not_found", 405: "method_not_allowed", 413: "too_large", 429: "rate_limited"}.get(
        status, "error"
    )


def logged_path(scope: Scope) -> str:
    """The path an access line shows: the route's template (`/c/{token}`), so checkout tokens
    and web conversation ids (a chat's credentials) never reach the logs; a path no route took
    has those segments blanked."""
    route = scope.get("route")
    if isinstance(route, Route | WebSocketRoute):
        return route.path
    return _SECRET_SEGMENT.sub(r"\1{redacted}", str(scope["path"]))


class RequestContext:
    """A request id for every request (the caller's `x-request-id` when it is a plain short
    token, or a new one): set for the logs while the request runs, echoed in the response, and
    one access line at the end, with the route's template rather than the raw path.
    A pure ASGI middleware: no extra task or stream per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = safe_request_id(Headers(scope=scope).get("x-request-id", "")) or uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["x-request-id"] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "%s %s %s",
                scope["method"],
                logged_path(scope),
                status,
                extra={"duration_ms": round((time.perf_counter() - started) * 1000, 1)},
            )
            request_id.reset(token)
