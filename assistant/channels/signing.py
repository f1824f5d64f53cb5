"""Webhook signatures: Meta's X-Hub-Signature-256 and Twilio's X-Twilio-Signature.

Every comparison is constant-time (`hmac.compare_digest`). A check that cannot be made
(no header, no secret) fails; it is never skipped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

from assistant.channels.errors import ChannelConfigurationError, SignatureError

META_SIGNATURE_HEADER = "X-Hub-Signature-256"
TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"
_DEFAULT_PORTS = {"https": 443, "http": 80}


def required_secret(value: SecretStr | None, setting: str) -> SecretStr:
    """The secret, or a configuration error naming the setting (a check is never skipped)."""
    if value is None or not value.get_secret_value().strip():
        raise ChannelConfigurationError(f"{setting} is required when the channel is enabled")
    return SecretStr(value.get_secret_value().strip())


def meta_signature(secret: SecretStr, body: bytes) -> str:
    """The X-Hub-Signature-256 value Meta sends: ``sha256=`` + HMAC-SHA256(app secret, body)."""
    digest = hmac.new(secret.get_secret_value().encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def check_meta_signature(received: str | None, secret: SecretStr, body: bytes) -> None:
    """Raise `SignatureError` unless `received` signs `body` with the app secret."""
    if not received:
        raise SignatureError(f"missing {META_SIGNATURE_HEADER} header")
    scheme, _, digest = received.strip().partition("=")
    if scheme.lower() != "sha256" or not digest:
        raise SignatureError(f"{META_SIGNATURE_HEADER} must look like sha256=<hex>")
    expected = meta_signature(secret, body).partition("=")[2]
    if not hmac.compare_digest(digest.lower().encode(), expected.encode()):
        raise SignatureError(f"{META_SIGNATURE_HEADER} does not match the body")


def check_verify_token(params: Mapping[str, str], token: SecretStr) -> str:
    """Meta's subscription handshake: the `hub.challenge` to echo back, if the token matches."""
    if params.get("hub.mode") != "subscribe":
        raise SignatureError("hub.mode must be 'subscribe'")
    given = params.get("hub.verify_token", "")
    if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
        raise SignatureError("hub.verify_token does not match")
    challenge = params.get("hub.challenge", "")
    if not challenge:
        raise SignatureError("hub.challenge is missing")
    return challenge


def twilio_signature(token: SecretStr, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Base64 HMAC-SHA1 of the URL followed by each POST parameter, sorted, as name + value."""
    grouped: dict[str, set[str]] = {}
    for name, value in params:
        grouped.setdefault(name, set()).add(value)
    signed = url + "".join(
        name + value for name in sorted(grouped) for value in sorted(grouped[name])
    )
    digest = hmac.new(token.get_secret_value().encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def check_twilio_signature(
    received: str | None, token: SecretStr, url: str, params: list[tuple[str, str]]
) -> None:
    """Raise `SignatureError` unless `received` signs the URL and parameters. Like Twilio's own
    validator, the URL is also tried without its port, or with the scheme's default port."""
    if not received:
        raise SignatureError(f"missing {TWILIO_SIGNATURE_HEADER} header")
    given = received.strip().encode()
    matches = [
        hmac.compare_digest(given, twilio_signature(token, candidate, params).encode())
        for candidate in _url_variants(url)
    ]
    if not any(matches):
        raise SignatureError(f"{TWILIO_SIGNATURE_HEADER} does not match the URL and parameters")


def _url_variants(url: str) -> list[str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        other = host
    elif parts.scheme in _DEFAULT_PORTS:
        other = f"{host}:{_DEFAULT_PORTS[parts.scheme]}"
    else:
        return [url]
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{other}" if userinfo else other
    return [url, urlunsplit(parts._replace(netloc=netloc))]
