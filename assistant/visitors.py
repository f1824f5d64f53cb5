"""Signed visitor passes: how a site keeps one shopper's web chats together.

A visitor carries the shopper's linked identity and saved preferences, so a site may not make
one up: it asks the service for a pass (`POST /api/visitors`), keeps it for that shopper (their
account, a first-party cookie) and passes it when a chat starts. A pass is a random visitor id
plus an HMAC of it under the service's secret key, bound to this purpose, so a guessed, altered
or unsigned `visitor` is refused and the chat starts as a fresh anonymous visitor.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

VISITOR_PREFIX = "visitor-"  # senders of signed visitors; anonymous ones are "anonymous-..."
_PURPOSE = b"concierge visitor pass\x00"
_MAC_CHARS = 27  # 160 bits of the HMAC-SHA256
_MAX_PASS = 120


class VisitorPasses:
    """Issues visitor passes and reads the visitor id back from a genuine one."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the visitor signing key must be at least 16 bytes")
        self._key = key

    def issue(self) -> str:
        """A new pass for a new visitor."""
        visitor = VISITOR_PREFIX + secrets.token_hex(16)
        return f"{visitor}.{self._mac(visitor)}"

    def verify(self, token: str | None) -> str | None:
        """The visitor id of a genuine pass; None for anything else (compared in constant time)."""
        if not token or len(token) > _MAX_PASS or token.count(".") != 1:
            return None
        visitor, mac = token.split(".")
        if not visitor.startswith(VISITOR_PREFIX):
            return None
        if not hmac.compare_digest(mac.encode(), self._mac(visitor).encode()):
            return None
        return visitor

    def _mac(self, visitor: str) -> str:
        digest = hmac.new(self._key, _PURPOSE + visitor.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:_MAC_CHARS]
