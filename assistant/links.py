"""Signed tokens for tracked checkout links (`/c/{token}`).

A token is a random link id plus an HMAC of it under the service's secret key, so a guessed
or altered token is refused before any lookup. The secret comes from settings; without one a
random key is generated once into the data directory (readable by the owner only).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from assistant.config import Settings

_MAC_CHARS = 22
_MAX_TOKEN = 120


def secret_key(settings: Settings) -> bytes:
    """The configured key, else the one generated into data_dir on first use."""
    if settings.server.secret_key is not None:
        return settings.server.secret_key.get_secret_value().encode()
    path = settings.data_dir / "secret_key"
    if not path.exists():
        _write_private(path, secrets.token_hex(32))
    return path.read_text().strip().encode()


def _write_private(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value)


class LinkSigner:
    """Turns link ids into signed tokens and back."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the link signing key must be at least 16 bytes")
        self._key = key

    def sign(self, link_id: str) -> str:
        return f"{link_id}.{self._mac(link_id)}"

    def verify(self, token: str) -> str | None:
        """The link id of a genuine token, None for anything else."""
        if len(token) > _MAX_TOKEN or token.count(".") != 1:
            return None
        link_id, mac = token.split(".")
        if not link_id or not hmac.compare_digest(mac.encode(), self._mac(link_id).encode()):
            return None
        return link_id

    def _mac(self, link_id: str) -> str:
        digest = hmac.new(self._key, link_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:_MAC_CHARS]
