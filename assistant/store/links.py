"""Tracked checkout links (an unguessable token that redirects to the cart URL, with clicks
recorded) and analytics events."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.store.base import StoreCore
from assistant.store.models import CheckoutLink, Event, LinkClick, utcnow

TOKEN_BYTES = 16  # 128 bits: 22 URL-safe characters
MAX_USER_AGENT = 256


class LinkOps(StoreCore):
    """Checkout links and clicks; events."""

    def create_link(
        self,
        target_url: str,
        *,
        conversation_id: str | None,
        channel: str,
        variant: str | None = None,
    ) -> str:
        """Store a checkout URL built by code and return the token that stands for it."""
        token = secrets.token_urlsafe(TOKEN_BYTES)

        def create(session: Session) -> str:
            session.add(
                CheckoutLink(
                    token=token,
                    conversation_id=conversation_id,
                    channel=channel,
                    variant=variant,
                    target_url=target_url,
                    created_at=utcnow(),
                )
            )
            return token

        return self._run(create)

    def resolve_and_record_click(self, token: str, user_agent: str | None = None) -> str | None:
        """The target URL of `token` with the click recorded, or None for an unknown token."""
        if not token or len(token) > 64:
            return None

        def resolve(session: Session) -> str | None:
            link = session.get(CheckoutLink, token)
            if link is None:
                return None
            agent = user_agent[:MAX_USER_AGENT] if user_agent else None
            session.add(LinkClick(token=token, clicked_at=utcnow(), user_agent=agent))
            return link.target_url

        return self._run(resolve)

    def clicks(self, token: str) -> list[LinkClick]:
        """The clicks on a link, oldest first."""
        query = select(LinkClick).where(LinkClick.token == token).order_by(LinkClick.id)
        return self._run(lambda s: list(s.scalars(query)), write=False)

    def record_event(
        self,
        kind: str,
        *,
        conversation_id: str | None = None,
        variant: str | None = None,
        data: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> Event:
        """Append an analytics event."""

        def record(session: Session) -> Event:
            event = Event(
                conversation_id=conversation_id,
                kind=kind,
                variant=variant,
                data=data or {},
                created_at=at or utcnow(),
            )
            session.add(event)
            session.flush()
            return event

        return self._run(record)

    def events(self, *, kind: str | None = None, conversation_id: str | None = None) -> list[Event]:
        """Events, oldest first, optionally of one kind or one conversation."""
        query = select(Event).order_by(Event.id)
        if kind is not None:
            query = query.where(Event.kind == kind)
        if conversation_id is not None:
            query = query.where(Event.conversation_id == conversation_id)
        return self._run(lambda s: list(s.scalars(query)), write=False)
