"""Agent credentials: argon2id password hashes, API keys and session tokens.

API keys and session tokens are 256-bit random secrets, so a SHA-256 of them is stored (and
looked up by), never the secret; a stolen database does not log anyone in. Passwords are
low-entropy, so they get argon2id. An unknown username is checked against a dummy hash, so a
failed login takes as long whether or not the user exists.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

API_KEY_PREFIX = "ck_"
MIN_PASSWORD = 8
_hasher = PasswordHasher()
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


class WeakPasswordError(ValueError):
    """A password shorter than `MIN_PASSWORD` characters."""


def hash_password(password: str) -> str:
    """An argon2id hash of `password` (refused below `MIN_PASSWORD` characters)."""
    if len(password) < MIN_PASSWORD:
        raise WeakPasswordError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def verify_password(password: str, stored: str | None) -> bool:
    """Whether `password` matches `stored`; with no stored hash, a dummy is checked anyway."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def secret_hash(secret: str) -> str:
    """The stored form of an API key or a session token: hex SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_key() -> tuple[str, str]:
    """A new API key and its hash; the key is shown once and never stored."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return key, secret_hash(key)


def new_session_token() -> tuple[str, str]:
    """A new session token (for the cookie) and its hash (for the store)."""
    token = secrets.token_urlsafe(32)
    return token, secret_hash(token)
