"""Delivery: render a reply for its channel, queue it in the persistent outbox, send it.

Queued payloads survive a provider outage or a restart: the courier claims due items, sends
them in order per conversation, and reschedules failures with backoff (see assistant/store).
A send whose outcome is unknown is marked `uncertain` instead: sending it again could deliver
it twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

import httpx

from assistant.brand import PromptSet
from assistant.channels.base import ChannelAdapter, Payload, RenderContext
from assistant.channels.errors import SendError, UncertainSendError, WindowClosedError
from assistant.messages import Reply
from assistant.store import Store, StoreError
from assistant.store.models import ConversationRow, OutboxItem

log = logging.getLogger("assistant.delivery")
IDLE_S = 0.5
STUCK = timedelta(minutes=5)


class Courier:
    """Queues rendered replies and delivers them through the channel adapters."""

    def __init__(
        self, store: Store, adapters: dict[str, ChannelAdapter], prompts: PromptSet
    ) -> None:
        self._store = store
        self._adapters = adapters
        self._prompts = prompts
        self._wake = asyncio.Event()

    @property
    def channels(self) -> list[str]:
        return sorted(self._adapters)

    def queue(
        self, conversation: ConversationRow, reply: Reply, *, human_agent: bool = False
    ) -> list[OutboxItem]:
        """Render a reply for the conversation's channel and put it in the outbox."""
        payloads = self.payloads(conversation, reply, human_agent=human_agent)
        return [
            self._store.enqueue(conversation.id, conversation.channel, conversation.sender, p)
            for p in payloads
        ]

    def payloads(
        self, conversation: ConversationRow, reply: Reply, *, human_agent: bool = False
    ) -> list[dict[str, Any]]:
        """The provider payloads of a reply for the conversation's channel ([] if none go out).

        A turn stores these with its reply in one transaction (`Concierge.process`), so a
        reply is queued exactly when its turn is kept.
        """
        adapter = self._adapters.get(conversation.channel)
        if adapter is None or not (reply.text or reply.products or reply.checkout_url):
            return []
        if self._store.is_opted_out(conversation.channel, conversation.sender):
            log.info("not sending: recipient opted out", extra={"conversation_id": conversation.id})
            return []
        try:
            payloads = self.render(conversation, reply, human_agent=human_agent)
        except WindowClosedError as exc:
            log.warning("not sending: %s", exc, extra={"conversation_id": conversation.id})
            return []
        return [p.model_dump(mode="json") for p in payloads]

    def render(
        self, conversation: ConversationRow, reply: Reply, *, human_agent: bool = False
    ) -> list[Payload]:
        """The provider payloads of a reply on the conversation's channel ([] without an
        adapter, as on the web); `WindowClosedError` when the channel forbids it now."""
        adapter = self._adapters.get(conversation.channel)
        if adapter is None:
            return []
        context = RenderContext(
            recipient=conversation.sender,
            style=self._prompts.style(conversation.channel),
            link=lambda url: url,  # checkout links are already tracked /c/ links
            last_inbound_at=conversation.last_inbound_at,
            human_agent=human_agent,
        )
        return adapter.render(reply, context)

    def wake(self) -> None:
        self._wake.set()

    async def deliver_due(self, client: httpx.AsyncClient) -> int:
        """Send what is due now; returns how many items were attempted."""
        items = await asyncio.to_thread(self._store.claim_due, None, 20)
        for item in items:
            await self._deliver(item, client)
        return len(items)

    async def _deliver(self, item: OutboxItem, client: httpx.AsyncClient) -> None:
        adapter = self._adapters.get(item.channel)
        if adapter is None:
            await asyncio.to_thread(
                self._store.mark_failed, item.id, "channel not enabled", permanent=True
            )
            return
        try:
            result = await adapter.send(Payload.model_validate(item.payload), client)
        except UncertainSendError as exc:
            await self._uncertain(item, exc)
            return
        except SendError as exc:
            retry = timedelta(seconds=exc.retry_after_s) if exc.retry_after_s else None
            log.warning(
                "send failed: %s", exc, extra={"channel": item.channel, "status": exc.status}
            )
            await asyncio.to_thread(
                self._store.mark_failed,
                item.id,
                str(exc)[:500],
                retry_after=retry,
                permanent=not exc.retryable,
            )
            return
        await asyncio.to_thread(self._store.mark_sent, item.id, result.provider_message_id)

    async def _uncertain(self, item: OutboxItem, exc: UncertainSendError) -> None:
        """Never send it again (it may be out already); say so where the team looks. The log
        names the item, not the shopper: the error text may quote the provider's answer."""
        log.warning(
            "send outcome unknown: outbox item %s left uncertain, not retried (%s)",
            item.id,
            "no answer" if exc.status is None else f"status {exc.status}",
            extra={"channel": item.channel, "status": exc.status, "outbox_item": item.id},
        )
        await asyncio.to_thread(self._store.mark_uncertain, item.id, str(exc)[:500])

    async def run(self, client: httpx.AsyncClient, stop: asyncio.Event) -> None:
        """Deliver until stopped; picks up items a killed process left half-sent."""
        try:
            await asyncio.to_thread(self._store.reclaim_stuck, STUCK)
        except StoreError:  # the database is down at start: stuck items wait for a restart
            log.exception("could not reclaim items left sending")
        while not stop.is_set():
            try:
                sent = await self.deliver_due(client)
            except (StoreError, httpx.HTTPError):  # the database or network blinked: try again
                log.exception("delivery round failed")
                sent = 0
            if not sent:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), IDLE_S)
