"""Remembering preferences with consent: offer once when a shopper states a size, budget or
favourite category; keep them only after a yes; bring them to later turns; forget on request.

Consent lives in the consent table (`remember_preferences`), the values on the customer, so
every channel the shopper linked shares them. An anonymous web chat is offered nothing: it
has no "next time" until it is linked to a phone.
"""

from __future__ import annotations

import re

from langchain_core.messages import BaseMessage, SystemMessage

from assistant.identity import ANONYMOUS_VISITOR
from assistant.messages import QuickReply, Reply
from assistant.preferences import NOTE_KEY, Preferences, asks_to_forget, declared
from assistant.retrieval.query import QueryParser
from assistant.store import Store
from assistant.store.models import ConversationRow, MessageRow
from assistant.store.preferences import Remembered

REMEMBER_YES = "remember:yes"
REMEMBER_NO = "remember:no"
# A bare yes or no only: "yes, the second one" is a shopping request, not an answer.
_YES = re.compile(
    r"^\s*(?:yes|yeah|yep|yup|sure|ok(?:ay)?|please do|go ahead|y)(?:,? please)?[\s!.]*$", re.I
)
_NO = re.compile(r"^\s*(?:no|nope|nah|don'?t|n)(?:,? thanks?(?: you)?)?[\s!.]*$", re.I)
FORGOTTEN = "Done: I've forgotten your saved preferences and won't keep any from now on."
DECLINED = "No problem, I won't keep it."


class PreferenceKeeper:
    """What the conversation core asks around each turn."""

    def __init__(self, store: Store, parser: QueryParser) -> None:
        self._store = store
        self._parser = parser

    def intercept(self, conversation: ConversationRow, text: str) -> Reply | None:
        """The reply to "forget my preferences" or to a yes/no about the offer; None for any
        other message (the agent answers it)."""
        customer_id = conversation.customer_id
        if customer_id is None:
            return None
        if asks_to_forget(text):
            self._store.forget_preferences(customer_id, conversation.channel, conversation.sender)
            return Reply(text=FORGOTTEN)
        answer = _answer(text)
        offered = self._pending_offer(conversation) if answer is not None else None
        if offered is None:
            return None
        if not answer:
            self._store.decline_preferences(customer_id, conversation.channel, conversation.sender)
            return Reply(text=DECLINED)
        saved, _ = self._store.preferences_of(customer_id)
        kept = Preferences.stored(saved).merged(offered)
        self._store.remember_preferences(
            customer_id, conversation.channel, conversation.sender, kept.document()
        )
        return Reply(
            text=f"Done: I'll remember {offered.describe()} for next time. "
            'Say "forget my preferences" whenever you like.'
        )

    def notes(self, remembered: Remembered) -> list[BaseMessage]:
        """The saved preferences as a system note for this turn (none without consent)."""
        preferences = Preferences.stored(remembered.preferences)
        if not remembered.consent or preferences.is_empty():
            return []
        return [
            SystemMessage(preferences.note(), additional_kwargs={NOTE_KEY: preferences.document()})
        ]

    @staticmethod
    def favourites(remembered: Remembered) -> list[str]:
        """The shopper's saved favourite categories (none without consent)."""
        if not remembered.consent:
            return []
        return Preferences.stored(remembered.preferences).categories

    def offer(
        self,
        conversation: ConversationRow,
        remembered: Remembered,
        text: str,
        reply: Reply,
        limit: int,
    ) -> None:
        """After a turn: keep newly stated preferences (consent given), or ask once.
        `remembered` is what was saved when the turn began."""
        customer_id = conversation.customer_id
        if customer_id is None or not _rememberable(conversation, remembered):
            return
        saved, consent = remembered.preferences, remembered.consent
        if consent is False:
            return
        # Once consent is given, only what shoppers say of themselves updates the saved
        # values: a size asked for in one search may well be for someone else.
        stated = declared(text, self._parser, in_requests=consent is None)
        current = Preferences.stored(saved)
        new = current.news(stated)
        if new.is_empty():
            return
        if consent:
            self._store.remember_preferences(
                customer_id,
                conversation.channel,
                conversation.sender,
                current.merged(new).document(),
            )
            return
        if self._offered_before(conversation):
            return
        reply.text = f"{reply.text}\n\nWant me to remember {new.describe()} for next time?".strip()
        chips = [
            QuickReply(title="Yes, remember", payload=REMEMBER_YES),
            QuickReply(title="No, thanks", payload=REMEMBER_NO),
        ]
        reply.quick_replies = [*chips, *reply.quick_replies][: max(limit, len(chips))]

    def _offered_before(self, conversation: ConversationRow) -> bool:
        rows = self._store.messages(conversation.id, limit=100)
        return any(_offers(row) for row in rows if row.direction == "outbound")

    def _pending_offer(self, conversation: ConversationRow) -> Preferences | None:
        """What the last reply offered to remember, if it made the offer."""
        rows = self._store.messages(conversation.id, limit=10)
        last = max((n for n, r in enumerate(rows) if r.direction == "outbound"), default=None)
        if last is None or not _offers(rows[last]):
            return None
        asked = [r for r in rows[:last] if r.direction == "inbound"]
        if not asked:
            return None
        said = asked[-1].payload.get("quick_reply") or asked[-1].text
        saved, _ = self._store.preferences_of(conversation.customer_id or "")
        new = Preferences.stored(saved).news(declared(said, self._parser))
        return None if new.is_empty() else new


def _rememberable(conversation: ConversationRow, remembered: Remembered) -> bool:
    """An anonymous web chat has no "next time" until it is linked to a phone."""
    if conversation.channel != "web" or not conversation.sender.startswith(ANONYMOUS_VISITOR):
        return True
    return remembered.linked


def _answer(text: str) -> bool | None:
    """True / False for a yes / no (tapped or typed in a few words), else None."""
    if text == REMEMBER_YES:
        return True
    if text == REMEMBER_NO:
        return False
    if _YES.match(text):
        return True
    return False if _NO.match(text) else None


def _offers(row: MessageRow) -> bool:
    replies = (row.payload or {}).get("quick_replies") or []
    return any(isinstance(q, dict) and q.get("payload") == REMEMBER_YES for q in replies)
