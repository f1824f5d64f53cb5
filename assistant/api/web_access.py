"""Who may use a web conversation: whoever holds its secret.

`POST /api/conversations` gives the widget a random secret beside the conversation id; only
its SHA-256 is stored. Every other call under `/api/conversations/{id}` sends it in the
`X-Conversation-Secret` header, and `WebConversationDep` checks it in constant time. A missing
or wrong secret gets the same 404 as an unknown id, so an id seen in a log or the console
opens nothing. Conversations opened before secrets existed have none and cannot be resumed:
their widget starts a new chat.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from assistant.api.web_senders import WebConversation, WebSenders

# The header's name, not a secret (bandit's B105 reads any "secret" string as a password).
SECRET_HEADER = "X-Conversation-Secret"  # nosec B105
NO_SUCH_CONVERSATION = "no such conversation"
_NO_HASH = hashlib.sha256(b"no secret matches this").hexdigest()


def new_secret() -> tuple[str, str]:
    """A new conversation secret (for the widget) and its hash (for the store)."""
    secret = secrets.token_urlsafe(32)
    return secret, secret_hash(secret)


def secret_hash(secret: str) -> str:
    """The stored form of a conversation secret: hex SHA-256 (the secret is 256 random bits)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(given: str | None, stored: str | None) -> bool:
    """Whether `given` is the secret behind `stored`, compared in constant time; a
    conversation without a stored hash matches nothing."""
    offered = secret_hash(given or "")
    same = hmac.compare_digest(offered, stored or _NO_HASH)
    return same and bool(given) and stored is not None


async def web_conversation(
    conversation_id: str,
    request: Request,
    secret: Annotated[
        str | None,
        Header(alias=SECRET_HEADER, description="the secret `POST /api/conversations` gave"),
    ] = None,
) -> WebConversation:
    """The web conversation of the path, if the request holds its secret; 404 otherwise.
    Async, and reads the store (on a worker thread) only for a conversation not yet seen."""
    senders: WebSenders = request.app.state.web_senders
    found = senders.cached(conversation_id)
    if found is None:
        found = await run_in_threadpool(senders.conversation, conversation_id)
    if found is None or not secret_matches(secret, found.secret_hash):
        raise HTTPException(404, detail=NO_SUCH_CONVERSATION)
    return found


WebConversationDep = Annotated[WebConversation, Depends(web_conversation)]
