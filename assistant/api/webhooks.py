"""Channel webhooks: verify the signature, parse, store, answer 200 fast; the turn runs after.

GET is Meta's subscription handshake. POST stores every message before answering, so a
message a provider delivered is never lost; the turn and the delivery happen in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from asyncio import Event
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from assistant.api.limits import Limits
from assistant.api.webchat import ConciergeDep
from assistant.channels.base import ChannelAdapter, ParsedWebhook
from assistant.channels.errors import SignatureError, WebhookParseError
from assistant.channels.meta import MetaAdapter
from assistant.channels.twiml import EMPTY_TWIML, TWIML_MEDIA_TYPE
from assistant.conversation import Concierge
from assistant.delivery import Courier
from assistant.errors import AssistantError
from assistant.messages import InboundMessage, Reply
from assistant.store import StoreError, StoreUnavailable
from assistant.store.errors import ConversationBusy
from assistant.store.models import ConversationRow

log = logging.getLogger("assistant.webhooks")
router = APIRouter(prefix="/webhooks", tags=["channels"])
RECOVERY_RETRY_S = 5.0


async def get_courier(request: Request) -> Courier:
    courier: Courier = request.app.state.courier
    return courier


CourierDep = Annotated[Courier, Depends(get_courier)]


def _adapter(courier: Courier, request: Request, channel: str) -> ChannelAdapter:
    adapters: dict[str, ChannelAdapter] = request.app.state.adapters
    if channel not in adapters:
        raise HTTPException(404, detail=f"channel {channel!r} is not enabled")
    return adapters[channel]


@router.get("/{channel}", response_class=PlainTextResponse)
def subscribe(channel: str, request: Request, courier: CourierDep) -> str:
    """Meta's webhook subscription handshake: echo `hub.challenge` if the verify token matches."""
    adapter = _adapter(courier, request, channel)
    if not isinstance(adapter, MetaAdapter):
        raise HTTPException(405, detail="this channel has no subscription handshake")
    try:
        return adapter.verify_subscription(request.query_params)
    except SignatureError as exc:
        raise HTTPException(403, detail=str(exc)) from exc


@router.post("/{channel}")
async def receive(
    channel: str,
    request: Request,
    background: BackgroundTasks,
    concierge: ConciergeDep,
    courier: CourierDep,
) -> Response:
    """A provider's webhook: 403 on a bad signature, 400 on a body we cannot read, else 200."""
    adapter = _adapter(courier, request, channel)
    body = await request.body()
    try:
        adapter.verify(request.headers, body, _public_url(concierge, request))
        parsed = adapter.parse(request.headers, body)
    except SignatureError as exc:
        raise HTTPException(403, detail=str(exc)) from exc
    except WebhookParseError as exc:
        raise HTTPException(400, detail=str(exc)) from exc
    limits: Limits = request.app.state.limits
    stored = await run_in_threadpool(_store, concierge, courier, parsed, channel)
    stored = await run_in_threadpool(_within_rate, concierge, limits, stored)
    for item in stored:
        background.add_task(_turn, concierge, courier, *item)
    if channel == "sms":
        return Response(EMPTY_TWIML, media_type=TWIML_MEDIA_TYPE)
    return JSONResponse({"ok": True, "messages": len(parsed.messages)})


def _public_url(concierge: Concierge, request: Request) -> str:
    """The URL the provider called, as the provider saw it (signatures cover it)."""
    base = concierge.settings.server.public_url.rstrip("/")
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{base}{request.url.path}{query}"


def _store(
    concierge: Concierge, courier: Courier, parsed: ParsedWebhook, channel: str
) -> list[tuple[ConversationRow, int, InboundMessage]]:
    store = concierge.store
    for status in parsed.statuses:
        if status.provider_message_id:
            store.record_delivery_status(channel, status.provider_message_id, status.status)
    for signal in parsed.signals:
        if signal.kind in ("opt_out", "opt_in"):
            store.set_opt_out(channel, signal.sender, signal.kind == "opt_out")
        if signal.reply_text and signal.kind != "opt_out":
            shopper = InboundMessage(channel=channel, sender=signal.sender)  # type: ignore[arg-type]
            conversation = concierge.conversation(shopper)
            courier.queue(conversation, Reply(text=signal.reply_text))
            courier.wake()
    longest = concierge.settings.limits.max_message_chars
    received = [
        _receive(concierge, message.model_copy(update={"text": message.text[:longest]}))
        for message in parsed.messages
    ]
    return [item for item in received if item is not None]


def _receive(
    concierge: Concierge, message: InboundMessage
) -> tuple[ConversationRow, int, InboundMessage] | None:
    """`Concierge.receive`, one message at a time: a message the database refuses is logged and
    skipped, so the others of the webhook are kept and the provider does not redeliver them all
    forever. A busy or unreachable database refuses them all: 503, and the provider retries."""
    try:
        return concierge.receive(message)
    except (StoreUnavailable, ConversationBusy):
        raise
    except StoreError as exc:
        log.error(
            "an inbound message could not be stored: %s",
            type(exc).__name__,
            extra={"channel": message.channel},
        )
        return None


def _within_rate(
    concierge: Concierge, limits: Limits, stored: list[tuple[ConversationRow, int, InboundMessage]]
) -> list[tuple[ConversationRow, int, InboundMessage]]:
    """The stored messages whose sender is within its rate; the others are kept, not answered.

    The limit applies after the message is stored and the provider still gets its 200: a 429
    would only make it redeliver the same flood (Meta retries for hours), and a stored message
    stays readable by the team. A sender over the rate simply gets no bot reply for it.
    """
    allowed = []
    for conversation, message_id, message in stored:
        if limits.senders.acquire(f"{message.channel}:{message.sender}") == 0.0:
            allowed.append((conversation, message_id, message))
            continue
        log.warning("sender over its rate: kept, not answered", extra={"channel": message.channel})
        concierge.store.finish_turn(
            conversation.id, message_id, history=[], reply=None, channel=message.channel,
            error="rate limited: kept, not answered",
        )  # fmt: skip
    return allowed


def _turn(
    concierge: Concierge,
    courier: Courier,
    conversation: ConversationRow,
    message_id: int,
    message: InboundMessage,
) -> None:
    """`run_turn` in the background. A turn that cannot run now (a busy database) is left to
    the recovery sweep: it must not stop the turns of the other messages of the same webhook,
    which run after it."""
    try:
        run_turn(concierge, courier, conversation, message_id, message)
    except AssistantError as exc:
        log.warning(
            "a turn was left for the recovery sweep: %s",
            type(exc).__name__,
            extra={"conversation_id": conversation.id},
        )


def run_turn(
    concierge: Concierge,
    courier: Courier,
    conversation: ConversationRow,
    message_id: int,
    message: InboundMessage,
) -> None:
    """Run the turn of a stored message; the turn queues its reply (see `deliver_through`)."""
    for _ in concierge.process(conversation, message_id, message):
        pass
    courier.wake()


async def recover_when_possible(
    concierge: Concierge, courier: Courier, before: datetime, stop: asyncio.Event
) -> int:
    """`recover`, retried while the database is unavailable (a start during an outage)."""
    while True:
        try:
            return await asyncio.to_thread(recover, concierge, courier, before)
        except StoreError as exc:
            log.warning("recovery postponed: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RECOVERY_RETRY_S)
        if stop.is_set():
            return 0


def recover(concierge: Concierge, courier: Courier, before: datetime) -> int:
    """Finish the turns a stopped process left behind: stored messages never answered.

    Safe beside live workers: a turn re-checks its message under the conversation's lock, so a
    message another worker is still answering is skipped once that worker is done with it."""
    finished = 0
    for row in concierge.store.unprocessed_inbound(before=before):
        conversation = concierge.get(row.conversation_id)
        if conversation is None or row.payload is None:
            continue
        message = InboundMessage.model_validate(row.payload)
        log.info("finishing a turn left unanswered", extra={"conversation_id": conversation.id})
        try:
            run_turn(concierge, courier, conversation, row.id, message)
        except AssistantError as exc:  # busy or unavailable now: the next sweep tries again
            log.warning("could not finish a turn yet: %s", exc)
            continue
        finished += 1
    return finished


async def sweep(concierge: Concierge, courier: Courier, started: datetime, stop: Event) -> None:
    """Recover at start, then keep recovering messages left unanswered for `recover_after_s`
    (a worker that died while the others live), until `stop` is set."""
    every = concierge.settings.store.recover_after_s
    before = started
    while True:
        await recover_when_possible(concierge, courier, before, stop)
        try:
            await asyncio.wait_for(stop.wait(), timeout=every)
            return
        except TimeoutError:
            before = datetime.now(UTC) - timedelta(seconds=every)
