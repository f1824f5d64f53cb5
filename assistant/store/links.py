"""Tracked checkout links: an unguessable token that redirects to the cart URL, with each
click recorded (and a `link_clicked` event written in the same transaction)."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.store.base import StoreCore
from assistant.store.events import NewEvent, add_events
from assistant.store.models import CheckoutLink, LinkClick, utcnow

TOKEN_BYTES = 16  # 128 bits: 22 URL-safe characters
MAX_USER_AGENT = 256


class LinkOps(StoreCore):
    """Checkout links and clicks."""

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
            clicked = NewEvent("link_clicked", {"token": token})
            add_events(session, link.conversation_id, link.variant, [clicked])
            return link.target_url

        return self._run(resolve)

    def clicks(self, token: str) -> list[LinkClick]:
        """The clicks on a link, oldest first."""
        query = select(LinkClick).where(LinkClick.token == token).order_by(LinkClick.id)
        return self._run(lambda s: list(s.scalars(query)), write=False)
