"""One shopper across channels: a web chat proves it belongs to a phone the shop already talks
to by a one-time code sent through that phone's own conversation (WhatsApp or SMS).

The code is random, kept only as an HMAC under the service's key, expires, dies after a few
wrong tries, and a phone (or a conversation) gets only a few codes an hour. Codes are never
logged. On success the web conversation joins that customer and sees the phone chat's history.

The answer never tells whether the shop knows a number: a number it cannot send a code to
(unknown, opted out, outside WhatsApp's window) gets a decoy code that nobody receives, kept,
counted and checked like a real one, so asking and verifying look the same either way.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import phonenumbers

from assistant.config import IdentitySettings
from assistant.delivery import Courier
from assistant.errors import AssistantError
from assistant.messages import Reply
from assistant.store import Store
from assistant.store.models import ConversationRow

SERVICE_WINDOW = timedelta(hours=24)  # WhatsApp: free-form messages only inside it
ANONYMOUS_VISITOR = "anonymous-"  # web senders without a site's visitor id: one per conversation


class LinkRefused(AssistantError):
    """A link request or code the shopper should hear about; nothing was linked."""


class InvalidPhone(LinkRefused):
    """Not a valid phone number (in the default region, without a leading +)."""


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
    """What the shopper is told, the same whether or not a code really went out."""

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
        """Send a fresh code to `phone` through its own conversation with the shop, when
        there is one that can carry it now; otherwise keep a decoy that nobody receives."""
        target = e164(phone, self._settings.default_region)
        channels = [c for c in self._settings.channels if c in self._courier.channels]
        source = self._store.phone_conversation(target, channels)
        if source is not None and not self._reachable(source):
            source = None
        now = datetime.now(UTC)
        code = f"{secrets.randbelow(10**6):06d}"
        kept = code if source is not None else secrets.token_hex(16)  # no 6 digits match it
        issued = self._store.issue_link_code(
            conversation.id,
            channel=source.channel if source is not None else "none",
            target=target,
            source_conversation_id=source.id if source is not None else None,
            code_hash=self.digest(conversation.id, kept),
            expires_at=now + timedelta(seconds=self._settings.code_ttl_s),
            since=now - timedelta(hours=1),
            limit=self._settings.codes_per_hour,
        )
        if issued is None:
            raise TooManyCodes("too many codes asked for this hour; please try again later")
        if source is not None and self._courier.queue(source, Reply(text=self._message(code))):
            self._courier.wake()
        return CodeSent(f"…{target[-4:]}", issued.expires_at)

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

    def _reachable(self, source: ConversationRow) -> bool:
        """Whether a code may go into `source` now: not opted out, and on WhatsApp within a
        day of the shopper's last message."""
        if self._store.is_opted_out(source.channel, source.sender):
            return False
        last = source.last_inbound_at
        return source.channel != "whatsapp" or (
            last is not None and datetime.now(UTC) - last < SERVICE_WINDOW
        )

    def _message(self, code: str) -> str:
        minutes = self._settings.code_ttl_s // 60
        return (
            f"{self._brand}: your code to continue this chat on the web is {code}. "
            f"It expires in {minutes} minutes. If you did not ask for it, ignore this message."
        )


def e164(phone: str, region: str) -> str:
    """`phone` in E.164 ('+16505551234'); a number without a leading + is read as dialled in
    `region` (ISO 3166 code). `InvalidPhone` when it cannot be a real number."""
    try:
        parsed = phonenumbers.parse(phone, region.upper())
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("that does not look like a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(
            "that is not a valid phone number: include the country code, e.g. +1 650 555 1234"
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
