"""Agents at the desk and their console sessions. Only hashes are stored: argon2 for
passwords, SHA-256 for API keys and session tokens (both random 256-bit secrets)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from assistant.store.base import StoreCore
from assistant.store.desk_models import Agent, AgentSession
from assistant.store.errors import RecordNotFound
from assistant.store.models import utcnow

_UNSET: Any = object()


class AgentOps(StoreCore):
    """create_agent, find agents by name, API-key hash or session; sessions with expiry."""

    def create_agent(
        self,
        username: str,
        *,
        team: str,
        display_name: str | None = None,
        is_admin: bool = False,
        password_hash: str | None = None,
    ) -> Agent:
        """A new agent; `StoreConflict` if the username is taken."""

        def create(session: Session) -> Agent:
            agent = Agent(
                username=username,
                display_name=display_name or username,
                team=team,
                is_admin=is_admin,
                password_hash=password_hash,
                active=True,
                failed_logins=0,
                created_at=utcnow(),
            )
            session.add(agent)
            session.flush()
            return agent

        return self._run(create)

    def get_agent(self, username: str) -> Agent | None:
        query = select(Agent).where(Agent.username == username)
        return self._run(lambda s: s.scalars(query).first(), write=False)

    def agents(self) -> list[Agent]:
        """Every agent, by team then username."""
        query = select(Agent).order_by(Agent.team, Agent.username)
        return self._run(lambda s: list(s.scalars(query)), write=False)

    def update_agent(
        self,
        username: str,
        *,
        password_hash: str | None = _UNSET,
        api_key_hash: str | None = _UNSET,
        team: str | None = None,
        is_admin: bool | None = None,
        active: bool | None = None,
    ) -> Agent:
        """Change an agent's credentials, team, rights or activity; deactivating ends sessions."""

        def change(session: Session) -> Agent:
            agent = session.scalars(select(Agent).where(Agent.username == username)).first()
            if agent is None:
                raise RecordNotFound(f"no agent {username}")
            if password_hash is not _UNSET:
                agent.password_hash = password_hash
            if api_key_hash is not _UNSET:
                agent.api_key_hash = api_key_hash
            if team is not None:
                agent.team = team
            if is_admin is not None:
                agent.is_admin = is_admin
            if active is not None:
                agent.active = active
                if not active:
                    session.execute(delete(AgentSession).where(AgentSession.agent_id == agent.id))
            session.flush()
            return agent

        return self._run(change)

    def agent_by_api_key(self, key_hash: str) -> Agent | None:
        """The active agent holding the API key with this hash."""
        query = select(Agent).where(Agent.api_key_hash == key_hash, Agent.active.is_(True))
        return self._run(lambda s: s.scalars(query).first(), write=False)

    def create_session(self, agent_id: int, token_hash: str, expires_at: datetime) -> None:
        """Remember a console login until `expires_at` (and forget expired ones)."""

        def create(session: Session) -> None:
            now = utcnow()
            session.execute(delete(AgentSession).where(AgentSession.expires_at <= now))
            session.add(
                AgentSession(
                    token_hash=token_hash, agent_id=agent_id, created_at=now, expires_at=expires_at
                )
            )

        self._run(create)

    def session_agent(self, token_hash: str, now: datetime | None = None) -> Agent | None:
        """The active agent of an unexpired session, or None."""
        query = (
            select(Agent)
            .join(AgentSession, AgentSession.agent_id == Agent.id)
            .where(
                AgentSession.token_hash == token_hash,
                AgentSession.expires_at > (now or utcnow()),
                Agent.active.is_(True),
            )
        )
        return self._run(lambda s: s.scalars(query).first(), write=False)

    def end_session(self, token_hash: str) -> None:
        """Log out: the session's token stops working at once."""
        self._run(
            lambda s: s.execute(delete(AgentSession).where(AgentSession.token_hash == token_hash))
        )

    def record_login(self, username: str, *, ok: bool) -> None:
        """Count a password login: a success resets the failures in a row, a failure adds
        one (shown to admins; it locks nothing)."""

        def record(session: Session) -> None:
            query = select(Agent).where(Agent.username == username).with_for_update()
            agent = session.scalars(query).first()
            if agent is not None:
                agent.failed_logins = 0 if ok else agent.failed_logins + 1

        self._run(record)
