"""Signature helpers against vectors computed outside Python (openssl) and edge cases."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from assistant.channels import ChannelConfigurationError, SignatureError
from assistant.channels.signing import check_meta_signature, meta_signature, required_secret
from assistant.errors import ConfigurationError

BODY = b'{"object":"page","entry":[]}'
# printf '%s' "$BODY" | openssl dgst -sha256 -hmac 'my-app-secret'
OPENSSL_DIGEST = "efc6622a1e514411b7569a0f5886d4706df142ebfc80ed1e84dba7b7b5593e02"
SECRET = SecretStr("my-app-secret")


def test_meta_signature_matches_openssl() -> None:
    assert meta_signature(SECRET, BODY) == f"sha256={OPENSSL_DIGEST}"


def test_an_uppercase_digest_is_accepted() -> None:
    check_meta_signature(f"sha256={OPENSSL_DIGEST.upper()}", SECRET, BODY)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        (OPENSSL_DIGEST, "sha256=<hex>"),
        (f"sha1={OPENSSL_DIGEST}", "sha256=<hex>"),
        ("sha256=", "sha256=<hex>"),
        (f"sha256={OPENSSL_DIGEST[:-1]}0", "does not match"),
        ("sha256=zz", "does not match"),
    ],
)
def test_bad_headers_are_refused_with_a_reason(header: str | None, reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        check_meta_signature(header, SECRET, BODY)


@pytest.mark.parametrize("value", [None, SecretStr(""), SecretStr("   ")])
def test_a_blank_secret_is_a_configuration_error(value: SecretStr | None) -> None:
    with pytest.raises(ChannelConfigurationError, match=r"channels\.x\.app_secret") as raised:
        required_secret(value, "channels.x.app_secret")
    assert isinstance(raised.value, ConfigurationError)


def test_a_pasted_secret_loses_its_newline() -> None:
    assert required_secret(SecretStr("abc\n"), "s").get_secret_value() == "abc"
