"""Continue a phone chat on the web: ask for a one-time code, then type it in.

Asking answers the same whether or not the shop knows the number (see assistant/identity.py),
and both steps are limited per client address and per conversation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from assistant.api.limits import Limits
from assistant.api.schemas import LinkedOut, LinkIn, LinkSentOut, VerifyIn
from assistant.api.web_access import WebConversationDep
from assistant.api.webchat import ConciergeDep, _conversation
from assistant.api.webhooks import CourierDep
from assistant.identity import (
    CodeExpired,
    IdentityLinker,
    InvalidPhone,
    LinkRefused,
    NoCodePending,
    TooManyAttempts,
    TooManyCodes,
    WrongCode,
)
from assistant.links import secret_key

REFUSALS: dict[type[LinkRefused], tuple[int, str]] = {
    InvalidPhone: (422, "invalid_phone"),
    TooManyCodes: (429, "rate_limited"),
    NoCodePending: (409, "no_code_pending"),
    CodeExpired: (410, "code_expired"),
    TooManyAttempts: (429, "too_many_attempts"),
    WrongCode: (400, "wrong_code"),
}
ERRORS = {
    status: {"description": code, "content": {"application/json": {}}}
    for status, code in REFUSALS.values()
}


async def limit_linking(conversation_id: str, request: Request) -> None:
    """Per client address and per conversation: each link call spends a token (429)."""
    limits: Limits = request.app.state.limits
    address = request.client.host if request.client else "unknown"
    limits.client(address)
    limits.link(address, conversation_id)


router = APIRouter(prefix="/api", tags=["web chat"], dependencies=[Depends(limit_linking)])


def get_linker(concierge: ConciergeDep, courier: CourierDep) -> IdentityLinker:
    settings = concierge.settings
    brand = concierge.prompts.brand.brand
    return IdentityLinker(concierge.store, courier, settings.identity, secret_key(settings), brand)


LinkerDep = Annotated[IdentityLinker, Depends(get_linker)]


def _refused(exc: LinkRefused) -> JSONResponse:
    status, code = REFUSALS.get(type(exc), (400, "refused"))
    headers = {"retry-after": "3600"} if isinstance(exc, TooManyCodes) else None
    return JSONResponse({"error": code, "detail": str(exc)}, status, headers)


@router.post(
    "/conversations/{conversation_id}/link",
    status_code=202,
    response_model=LinkSentOut,
    responses=ERRORS,  # type: ignore[arg-type]
)
def request_code(
    web: WebConversationDep, body: LinkIn, concierge: ConciergeDep, linker: LinkerDep
) -> LinkSentOut | JSONResponse:
    """Send a 6-digit code to the shopper's phone, through their chat with us on it. The
    answer is the same whether or not we chat with that number (a code only goes if we do)."""
    conversation = _conversation(concierge, web.id)
    try:
        sent = linker.request(conversation, body.phone)
    except LinkRefused as exc:
        return _refused(exc)
    return LinkSentOut.of(sent, list(concierge.settings.identity.channels))


@router.post(
    "/conversations/{conversation_id}/link/verify",
    response_model=LinkedOut,
    responses=ERRORS,  # type: ignore[arg-type]
)
def verify_code(
    web: WebConversationDep, body: VerifyIn, concierge: ConciergeDep, linker: LinkerDep
) -> LinkedOut | JSONResponse:
    """Check the code; on success this chat continues the phone chat (history and memory)."""
    conversation = _conversation(concierge, web.id)
    try:
        linked = linker.verify(conversation, body.code)
    except LinkRefused as exc:
        return _refused(exc)
    return LinkedOut(linked=True, channel=linked.channel, imported_messages=linked.imported)
