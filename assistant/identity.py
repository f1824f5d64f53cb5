"""One shopper across channels: a web chat proves it belongs to a phone the shop already talks
to by a one-time code sent through that phone's own conversation (WhatsApp or SMS).

The code is random, kept only as an HMAC under the service's key, expires, dies after a few
wrong tries, and a phone (or a conversation) gets only a few codes an hour. Codes are never
logged. On success the web conversation joins that customer and sees the phone chat's history.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from assistant.config import IdentitySettings
from assistant.delivery import Courier
from assistant.errors import AssistantError
from assistant.messages import Reply
from assistant.store import Store
from assistant.store.customers import normalise_phone
from assistant.store.models import ConversationRow

SERVICE_WINDOW = timedelta(hours=24)  # WhatsApp: free-form messages only inside it
ANONYMOUS_VISITOR = "anonymous-"  # web senders without a site's visitor id: one per conversation


class LinkRefused(AssistantError):
    """A link request or code the shopper should hear about; nothing was linked."""


class UnknownPhone(LinkRefused):
    """No conversation with that number on a channel that can carry a code."""


class Unreachable(LinkRefused):
    """The number is known but a code cannot go to it now (opted out, window closed)."""


class TooManyCodes(LinkRefused):
    """The number or the conversation had its codes for this hour."""


class NoCodePending(LinkRefused):
    """Nothing to verify: no code was asked for, or it was used."""


class CodeExpired(LinkRefused):
    """The code is too old."""


class TooManyAttempts(LinkRefused):
    """The code had its tries."""


class WrongCode(LinkRefused):
    """Not the code that was sent."""


@dataclass
class CodeSent:
    channel: str
    sent_to: str  # masked: the last digits only
    expires_at: datetime


@dataclass
class Linked:
    channel: str
    customer_id: str
    imported: int


class IdentityLinker:
    """Sends codes through the courier and redeems them against the store."""

    def __init__(
        self,
        store: Store,
        courier: Courier,
        settings: IdentitySettings,
        key: bytes,
        brand: str,
    ) -> None:
        self._store = store
        self._courier = courier
        self._settings = settings
        self._key = key
        self._brand = brand

    def request(self, conversation: ConversationRow, phone: str) -> CodeSent:
        """Send a fresh code to `phone` through its own conversation with the shop."""
        target = normalise_phone(phone)
        channels = [c for c in self._settings.channels if c in self._courier.channels]
        source = self._store.phone_conversation(target, channels)
        if source is None:
            raise UnknownPhone(
                "we have no chat with that number yet: message us from it on "
                f"{' or '.join(channels) or 'a phone channel'} first, then try again"
            )
        self._check_reachable(source)
        now = datetime.now(UTC)
        code = f"{secrets.randbelow(10**6):06d}"
        issued = self._store.issue_link_code(
            conversation.id,
            channel=source.channel,
            target=target,
            source_conversation_id=source.id,
            code_hash=self.digest(conversation.id, code),
            expires_at=now + timedelta(seconds=self._settings.code_ttl_s),
            since=now - timedelta(hours=1),
            limit=self._settings.codes_per_hour,
        )
        if issued is None:
            raise TooManyCodes("too many codes asked for this hour; please try again later")
        if not self._courier.queue(source, Reply(text=self._message(code))):
            raise Unreachable(f"we cannot send a code on {source.channel} right now")
        self._courier.wake()
        return CodeSent(source.channel, f"…{target[-4:]}", issued.expires_at)

    def verify(self, conversation: ConversationRow, code: str) -> Linked:
        """Link the conversation if `code` is the one sent; else say why not."""
        typed = "".join(code.split())
        with self._store.conversation_lock(conversation.id):  # memory is appended to it
            result = self._store.redeem_link_code(
                conversation.id,
                self.digest(conversation.id, typed),
                now=datetime.now(UTC),
                max_attempts=self._settings.max_attempts,
                history_messages=self._settings.history_messages,
            )
        if result.outcome == "none":
            raise NoCodePending("no code is waiting: ask for one first")
        if result.outcome == "expired":
            raise CodeExpired("that code has expired: ask for a new one")
        if result.outcome == "locked":
            raise TooManyAttempts("too many wrong tries: ask for a new code")
        if result.outcome == "wrong":
            left = f"{result.remaining} {'try' if result.remaining == 1 else 'tries'} left"
            raise WrongCode(f"that is not the code we sent ({left})")
        assert result.code is not None and result.customer_id is not None
        return Linked(result.code.channel, result.customer_id, result.imported)

    def digest(self, conversation_id: str, code: str) -> str:
        """The HMAC kept instead of the code, bound to the conversation that asked for it."""
        message = f"link-code:{conversation_id}:{code}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def _check_reachable(self, source: ConversationRow) -> None:
        if self._store.is_opted_out(source.channel, source.sender):
            raise Unreachable(f"that number opted out of messages on {source.channel}")
        last = source.last_inbound_at
        if source.channel == "whatsapp" and (
            last is None or datetime.now(UTC) - last >= SERVICE_WINDOW
        ):
            raise Unreachable(
                "we can only message you on WhatsApp within a day of your last message: "
                "send us any message there, then try again"
            )

    def _message(self, code: str) -> str:
        minutes = self._settings.code_ttl_s // 60
        return (
            f"{self._brand}: your code to continue this chat on the web is {code}. "
            f"It expires in {minutes} minutes. If you did not ask for it, ignore this message."
        )
