"""`POST /desk/webhook/reply`: an external helpdesk agent's reply (or close, or hand back),
delivered to the shopper through their channel. Signed like the outbound webhook
(HMAC-SHA256 of the raw body), fresh (timestamp within `desk.webhook_tolerance_s`) and
never replayed (each `id` is accepted once)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from assistant.api.auth import request_store
from assistant.api.console_api import ConversationView, desk_of, http_errors
from assistant.desk.helpdesk import SIGNATURE, SignatureMismatch, verify
from assistant.storable import StorableStr
from assistant.store.models import utcnow

router = APIRouter(prefix="/desk/webhook", tags=["helpdesk"])


class HelpdeskReply(BaseModel):
    id: StorableStr = Field(min_length=1, max_length=200)
    timestamp: float = Field(allow_inf_nan=False)
    conversation_id: StorableStr = Field(min_length=1, max_length=64)
    action: Literal["reply", "close", "handback"] = "reply"
    text: StorableStr = Field(default="", max_length=4000)
    agent: StorableStr = Field(default="helpdesk", min_length=1, max_length=50)


@dataclass(frozen=True)
class HelpdeskAgent:
    """The helpdesk acts as a trusted agent of every team (it holds the shared secret)."""

    username: str
    team: str = "helpdesk"
    is_admin: bool = True


@router.post("/reply")
async def helpdesk_reply(request: Request) -> dict[str, object]:
    """Verify, de-duplicate, then act on the conversation as the helpdesk agent."""
    settings = request.app.state.settings.desk
    if settings.webhook_secret is None:
        raise HTTPException(404, detail="the helpdesk webhook is not configured")
    body = await request.body()
    try:
        document = verify(
            settings.webhook_secret.get_secret_value(), body, request.headers.get(SIGNATURE),
            tolerance_s=settings.webhook_tolerance_s, now=time.time(),
        )  # fmt: skip
        call = HelpdeskReply.model_validate(document)
    except SignatureMismatch as exc:
        raise HTTPException(401, detail=str(exc)) from exc
    except ValidationError as exc:
        raise HTTPException(422, detail=str(exc.errors()[:3])) from exc
    if call.action == "reply" and not call.text.strip():
        raise HTTPException(422, detail="a reply needs text")
    view = await run_in_threadpool(_act, request, call, settings.webhook_tolerance_s)
    return {"ok": True, "conversation": view.model_dump(mode="json")}


def _act(request: Request, call: HelpdeskReply, tolerance_s: int) -> ConversationView:
    store = request_store(request)
    store.forget_receipts(utcnow() - timedelta(seconds=2 * tolerance_s))
    if not store.remember_receipt(call.id):
        raise HTTPException(409, detail="this id was already delivered")
    desk = desk_of(request)
    agent = HelpdeskAgent(username=f"helpdesk:{call.agent}")
    try:
        with http_errors():
            if call.action == "close":
                conversation = desk.close(call.conversation_id, agent)
            elif call.action == "handback":
                conversation = desk.hand_back(call.conversation_id, agent)
            else:
                conversation = desk.reply(call.conversation_id, agent, call.text)
    except HTTPException:
        store.release_receipt(call.id)  # not delivered: the helpdesk may try again
        raise
    return ConversationView(
        id=conversation.id, channel=conversation.channel, state=conversation.state,
        variant=conversation.variant, assigned_agent=conversation.assigned_agent,
        window=desk.window(conversation),
    )  # fmt: skip
