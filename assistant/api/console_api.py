"""The agent console's JSON API (`/console/api`): log in, the queue, a conversation, and the
actions on it (claim, reply, hand back, close), plus live updates as Server-Sent Events."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from assistant.api.auth import (
    AgentDep,
    AgentOut,
    authenticate,
    end_session,
    request_store,
    start_session,
)

router = APIRouter(prefix="/console/api", tags=["agent console"])


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class AgentEnvelope(BaseModel):
    agent: AgentOut


@router.post("/login")
def login(body: LoginIn, request: Request, response: Response) -> AgentEnvelope:
    """Check a password and set the session cookie; the same 401 for any bad credentials."""
    store = request_store(request)
    agent = authenticate(store, body.username, body.password)
    if agent is None:
        raise HTTPException(401, detail="wrong username or password")
    start_session(response, store, agent, request.app.state.settings)
    return AgentEnvelope(agent=AgentOut.of(agent))


@router.post("/logout")
def logout(agent: AgentDep, request: Request, response: Response) -> dict[str, bool]:
    """End the session behind the cookie."""
    end_session(request, response)
    return {"ok": True}


@router.get("/me")
def me(agent: AgentDep) -> AgentEnvelope:
    """The agent logged in."""
    return AgentEnvelope(agent=agent)
