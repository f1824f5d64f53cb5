"""Who is calling the console and admin API: an agent, by session cookie or API key.

`AgentDep` gives the calling agent (401 when anonymous), `AdminDep` an admin (403 otherwise).
The console logs in with a password and gets an HttpOnly, SameSite=Strict cookie
(`concierge_session`, Secure when the public URL is https) that expires after
`desk.session_hours`; scripts send ``Authorization: Bearer <api key>``. A request that
changes something with the cookie must be ``Content-Type: application/json`` and must not
come from another site: a form or a cross-site page cannot forge it (CSRF).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from pydantic import BaseModel

from assistant.config import Settings
from assistant.desk.credentials import new_session_token, secret_hash, verify_password
from assistant.store import Store
from assistant.store.desk_models import Agent
from assistant.store.models import utcnow

COOKIE = "concierge_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class AgentOut(BaseModel):
    """An agent as the console and admin API show it."""

    username: str
    display_name: str
    team: str
    is_admin: bool

    @classmethod
    def of(cls, agent: Agent) -> AgentOut:
        return cls(
            username=agent.username,
            display_name=agent.display_name,
            team=agent.team,
            is_admin=agent.is_admin,
        )


def request_store(request: Request) -> Store:
    """The store of the app serving `request`."""
    store: Store = request.app.state.concierge.store
    return store


def _anonymous(detail: str = "log in first") -> HTTPException:
    return HTTPException(401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def current_agent(request: Request) -> AgentOut:
    """The agent behind the API key or the session cookie; 401 when there is none."""
    store = request_store(request)
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, key = authorization.partition(" ")
        agent = (
            store.agent_by_api_key(secret_hash(key.strip())) if scheme.lower() == "bearer" else None
        )
        if agent is None:
            raise _anonymous("invalid API key")
        return AgentOut.of(agent)
    token = request.cookies.get(COOKIE)
    if not token:
        raise _anonymous()
    agent = store.session_agent(secret_hash(token))
    if agent is None:
        raise _anonymous("session expired: log in again")
    _refuse_forgery(request)
    return AgentOut.of(agent)


def _refuse_forgery(request: Request) -> None:
    """A cookie-authenticated change must be JSON and same-site (CSRF defence)."""
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise HTTPException(403, detail="cross-site request refused")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise HTTPException(415, detail="send Content-Type: application/json")


def current_admin(agent: Annotated[AgentOut, Depends(current_agent)]) -> AgentOut:
    """The calling agent if an admin; 403 otherwise."""
    if not agent.is_admin:
        raise HTTPException(403, detail="admins only")
    return agent


AgentDep = Annotated[AgentOut, Depends(current_agent)]
AdminDep = Annotated[AgentOut, Depends(current_admin)]


def authenticate(store: Store, username: str, password: str) -> Agent | None:
    """The active agent with these credentials, or None (same work for an unknown name).
    Failures are counted on the agent (reset by a good login) but never lock the account:
    guessing is slowed per account and address by `Limits.login` instead, so nobody can keep
    an agent out by failing on purpose."""
    agent = store.get_agent(username)
    usable = agent is not None and agent.active
    stored = agent.password_hash if agent is not None and usable else None
    ok = verify_password(password, stored)
    if agent is not None and usable:
        store.record_login(username, ok=ok)
    return agent if ok else None


def start_session(response: Response, store: Store, agent: Agent, settings: Settings) -> None:
    """Log `agent` in: store a session and set its cookie on `response`."""
    token, token_hash = new_session_token()
    lifetime = timedelta(hours=settings.desk.session_hours)
    store.create_session(agent.id, token_hash, utcnow() + lifetime)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=settings.server.public_url.lower().startswith("https://"),
        path="/",
    )


def end_session(request: Request, response: Response) -> None:
    """Log out: forget the session and clear the cookie."""
    if token := request.cookies.get(COOKIE):
        request_store(request).end_session(secret_hash(token))
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
