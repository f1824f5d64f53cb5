"""The admin API (`/admin/api`, admins only): agents, customers' data requests (export
everything stored about a customer; delete them), and sends of unknown outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from assistant.api.auth import AdminDep, AgentOut, request_store
from assistant.desk.credentials import WeakPasswordError, hash_password, new_api_key
from assistant.storable import StorableStr
from assistant.store import RecordNotFound, StoreConflict

router = APIRouter(prefix="/admin/api", tags=["admin"])


class AgentIn(BaseModel):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
    team: StorableStr = Field(min_length=1, max_length=32)
    display_name: StorableStr | None = Field(default=None, max_length=200)
    is_admin: bool = False
    password: str | None = Field(default=None, max_length=1024)
    api_key: bool = False  # issue an API key, returned once in the response


class AgentRow(AgentOut):
    active: bool
    has_password: bool
    has_api_key: bool


class AgentsOut(BaseModel):
    agents: list[AgentRow]


class UncertainSend(BaseModel):
    """An outbox item the provider may or may not have delivered (never sent again)."""

    id: int
    conversation_id: str
    channel: str
    error: str | None
    queued_at: datetime
    given_up_at: datetime


class UncertainSendsOut(BaseModel):
    sends: list[UncertainSend]


class AgentCreated(BaseModel):
    agent: AgentOut
    api_key: str | None = None  # shown this once; only its hash is stored


@router.get("/agents")
def list_agents(admin: AdminDep, request: Request) -> AgentsOut:
    """Every agent (never a secret)."""
    rows = [
        AgentRow(
            **AgentOut.of(a).model_dump(),
            active=a.active,
            has_password=a.password_hash is not None,
            has_api_key=a.api_key_hash is not None,
        )
        for a in request_store(request).agents()
    ]
    return AgentsOut(agents=rows)


@router.post("/agents", status_code=201)
def create_agent(body: AgentIn, admin: AdminDep, request: Request) -> AgentCreated:
    """Add an agent with a password and/or an API key; 409 if the username is taken."""
    store = request_store(request)
    teams = request.app.state.settings.desk.teams
    if body.team not in teams:
        raise HTTPException(422, detail=f"unknown team {body.team!r}: one of {', '.join(teams)}")
    try:
        hashed = hash_password(body.password) if body.password else None
        agent = store.create_agent(
            body.username, team=body.team, display_name=body.display_name,
            is_admin=body.is_admin, password_hash=hashed,
        )  # fmt: skip
    except WeakPasswordError as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    except StoreConflict as exc:
        raise HTTPException(409, detail=f"agent {body.username!r} already exists") from exc
    key = None
    if body.api_key:
        key, key_hash = new_api_key()
        agent = store.update_agent(body.username, api_key_hash=key_hash)
    return AgentCreated(agent=AgentOut.of(agent), api_key=key)


@router.get("/customers/{customer_id}/export")
def export_customer(customer_id: str, admin: AdminDep, request: Request) -> dict[str, Any]:
    """Everything stored about the customer: profile, identities, consent, conversations,
    messages, tickets, links, clicks, events."""
    try:
        return request_store(request).export_customer(customer_id)
    except RecordNotFound as exc:
        raise HTTPException(404, detail="no such customer") from exc


@router.delete("/customers/{customer_id}")
def delete_customer(customer_id: str, admin: AdminDep, request: Request) -> dict[str, Any]:
    """Delete the customer, their messages and links (analytics kept, anonymised)."""
    try:
        deleted = request_store(request).delete_customer(customer_id)
    except RecordNotFound as exc:
        raise HTTPException(404, detail="no such customer") from exc
    return {"deleted": deleted}


@router.get("/outbox/uncertain")
def uncertain_sends(admin: AdminDep, request: Request) -> UncertainSendsOut:
    """The latest replies whose send got no answer (the shopper may or may not have them):
    newest first, for the team to check in the conversation or the provider's console."""
    sends = [
        UncertainSend(
            id=item.id,
            conversation_id=item.conversation_id,
            channel=item.channel,
            error=item.last_error,
            queued_at=item.created_at,
            given_up_at=item.updated_at,
        )
        for item in request_store(request).uncertain_items()
    ]
    return UncertainSendsOut(sends=sends)
