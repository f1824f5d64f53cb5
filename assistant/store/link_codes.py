"""Identity links: one-time codes that join a web conversation to a customer the shop already
talks to on a phone channel, and the joining itself (customer, identity, recent memory)."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from langchain_core.messages import SystemMessage, messages_to_dict
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from assistant.store.customers import normalise_phone
from assistant.store.history import HistoryOps
from assistant.store.models import (
    ConversationRow,
    Customer,
    HistoryEntry,
    Identity,
    LinkCode,
    MessageRow,
    utcnow,
)

Outcome = Literal["linked", "none", "expired", "locked", "wrong"]


@dataclass
class Redemption:
    """What became of a code the shopper typed; `remaining` tries after a wrong one."""

    outcome: Outcome
    code: LinkCode | None = None
    customer_id: str | None = None
    remaining: int = 0
    imported: int = 0  # agent-memory messages brought over from the linked conversation


class LinkCodeOps(HistoryOps):
    """issue_link_code -> redeem_link_code; the linked conversations and their messages."""

    def phone_conversation(self, phone: str, channels: Sequence[str]) -> ConversationRow | None:
        """The latest conversation with `phone` on the first of `channels` that has one."""
        digits = normalise_phone(phone).lstrip("+")
        senders = (digits, f"+{digits}")

        def find(session: Session) -> ConversationRow | None:
            for channel in channels:
                query = (
                    select(ConversationRow)
                    .where(ConversationRow.channel == channel, ConversationRow.sender.in_(senders))
                    .order_by(ConversationRow.updated_at.desc())
                    .limit(1)
                )
                if found := session.scalars(query).first():
                    return found
            return None

        return self._run(find, write=False)

    def issue_link_code(
        self,
        conversation_id: str,
        *,
        channel: str,
        target: str,
        source_conversation_id: str | None,
        code_hash: str,
        expires_at: datetime,
        since: datetime,
        limit: int,
    ) -> LinkCode | None:
        """Keep a new code (superseding the conversation's earlier ones); None when `limit`
        codes already went to `target`, or were asked by this conversation, since `since`."""

        def issue(session: Session) -> LinkCode | None:
            source = (
                session.get(ConversationRow, source_conversation_id)
                if source_conversation_id is not None
                else None
            )
            if source is not None and source.customer_id is not None:  # one count at a time
                session.get(Customer, source.customer_id, with_for_update=True)
            for column, value in (
                (LinkCode.target, target),
                (LinkCode.conversation_id, conversation_id),
            ):
                count = select(func.count()).where(column == value, LinkCode.created_at >= since)
                if (session.scalar(count) or 0) >= limit:
                    return None
            code = LinkCode(
                conversation_id=conversation_id,
                source_conversation_id=source_conversation_id,
                channel=channel,
                target=target,
                code_hash=code_hash,
                attempts=0,
                created_at=utcnow(),
                expires_at=expires_at,
            )
            session.add(code)
            session.flush()
            return code

        return self._run(issue)

    def redeem_link_code(
        self,
        conversation_id: str,
        code_hash: str,
        *,
        now: datetime,
        max_attempts: int,
        history_messages: int,
    ) -> Redemption:
        """Check the conversation's latest code; a match links the conversation to the
        customer behind the code's phone and brings over that conversation's recent memory.
        A wrong guess counts against the code (committed, whatever the caller does next). A
        code without a source conversation (a decoy, or its chat erased) is wrong whatever
        is typed, with tries left like any other."""

        def redeem(session: Session) -> Redemption:
            query = (
                select(LinkCode)
                .where(LinkCode.conversation_id == conversation_id)
                .order_by(LinkCode.id.desc())
                .limit(1)
                .with_for_update()
            )
            code = session.scalars(query).first()
            if code is None or code.verified_at is not None:
                return Redemption("none")
            if code.expires_at <= now:
                return Redemption("expired", code)
            if code.attempts >= max_attempts:
                return Redemption("locked", code)
            matches = hmac.compare_digest(code.code_hash.encode(), code_hash.encode())
            if not matches or code.source_conversation_id is None:  # a decoy matches nothing
                code.attempts += 1
                session.flush()
                return Redemption("wrong", code, remaining=max_attempts - code.attempts)
            code.verified_at = now
            customer_id, imported = self._join(session, code, history_messages)
            session.flush()
            return Redemption("linked", code, customer_id=customer_id, imported=imported)

        return self._run(redeem)

    def _join(self, session: Session, code: LinkCode, history_messages: int) -> tuple[str, int]:
        source = session.get(ConversationRow, code.source_conversation_id)
        web = session.get(ConversationRow, code.conversation_id)
        assert source is not None and web is not None
        customer_id = source.customer_id or self._customer_for(session, source)
        web.customer_id = customer_id
        identity = session.scalars(
            select(Identity).where(
                Identity.channel == web.channel, Identity.external_id == web.sender
            )
        ).first()
        if identity is None:
            session.add(
                Identity(channel=web.channel, external_id=web.sender, customer_id=customer_id)
            )
        else:
            identity.customer_id = customer_id
        self._set_phone(session, customer_id, code.target)
        return customer_id, self._import_memory(session, source, web.id, history_messages)

    @staticmethod
    def _customer_for(session: Session, conversation: ConversationRow) -> str:
        identity = session.scalars(
            select(Identity).where(
                Identity.channel == conversation.channel,
                Identity.external_id == conversation.sender,
            )
        ).one()
        conversation.customer_id = identity.customer_id
        return identity.customer_id

    @staticmethod
    def _set_phone(session: Session, customer_id: str, phone: str) -> None:
        """Record the verified phone, unless the customer has one or another customer has it."""
        customer = session.get(Customer, customer_id)
        taken = session.scalars(select(Customer.id).where(Customer.phone == phone)).first()
        if customer is not None and customer.phone is None and taken is None:
            customer.phone = phone

    def _import_memory(
        self, session: Session, source: ConversationRow, target_id: str, limit: int
    ) -> int:
        """Append the source's last whole turns (at most `limit` messages) to the target's
        agent memory, after a note saying where they come from."""
        query = (
            select(HistoryEntry.data)
            .where(HistoryEntry.conversation_id == source.id)
            .order_by(HistoryEntry.seq.desc())
            .limit(limit)
        )
        tail = list(session.scalars(query))[::-1]
        while tail and tail[0].get("type") != "human":  # start at a turn, never mid tool call
            tail.pop(0)
        if not tail:
            return 0
        note = SystemMessage(
            f"The shopper linked their {source.channel} conversation to this one. "
            f"What follows is its recent part, on {source.channel}."
        )
        entries = [*messages_to_dict([note]), *tail]
        start = self._length(session, target_id)
        session.add_all(
            HistoryEntry(conversation_id=target_id, seq=start + n, type=d["type"], data=d)
            for n, d in enumerate(entries)
        )
        return len(tail)

    def linked_sources(self, conversation_id: str) -> list[tuple[str, datetime]]:
        """The conversations linked into this one and when, oldest link first."""
        return self._run(lambda s: linked_into(s, conversation_id), write=False)

    def linked_messages(self, conversation_id: str, *, limit: int = 100) -> list[MessageRow]:
        """This conversation's messages and those of the conversations linked into it (each up
        to its link), oldest first: the last `limit`."""

        def read(session: Session) -> list[MessageRow]:
            rows = self._latest(session, MessageRow.conversation_id == conversation_id, limit)
            for source, at in linked_into(session, conversation_id):
                where = (MessageRow.conversation_id == source) & (MessageRow.created_at <= at)
                rows += self._latest(session, where, limit)
            return sorted(rows, key=lambda m: m.created_at)[-limit:]

        return self._run(read, write=False)

    @staticmethod
    def _latest(session: Session, where: ColumnElement[bool], limit: int) -> list[MessageRow]:
        query = select(MessageRow).where(where).order_by(MessageRow.id.desc()).limit(limit)
        return list(session.scalars(query))[::-1]


def linked_into(session: Session, conversation_id: str) -> list[tuple[str, datetime]]:
    """The conversations linked into `conversation_id` and when, oldest link first."""
    query = (
        select(LinkCode.source_conversation_id, LinkCode.verified_at)
        .where(LinkCode.conversation_id == conversation_id, LinkCode.verified_at.is_not(None))
        .order_by(LinkCode.id)
    )
    rows = list(session.execute(query))
    return [(source, at) for source, at in rows if source is not None and at is not None]
