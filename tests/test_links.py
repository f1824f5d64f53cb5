"""Checkout link tokens: unguessable, signed, refused when altered."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from assistant.config import Settings
from assistant.links import LinkSigner, secret_key


@pytest.fixture
def signer() -> LinkSigner:
    return LinkSigner(b"k" * 32)


def test_round_trip(signer: LinkSigner) -> None:
    token = signer.sign("abc123")
    assert token.startswith("abc123.") and signer.verify(token) == "abc123"


@pytest.mark.parametrize(
    "tampered",
    ["abc124.{mac}", "abc123.{mac}x", "abc123.", ".{mac}", "abc123", "abc123.{mac}.x", "a" * 500],
)
def test_altered_tokens_are_refused(signer: LinkSigner, tampered: str) -> None:
    mac = signer.sign("abc123").split(".")[1]
    assert signer.verify(tampered.format(mac=mac)) is None


def test_another_key_does_not_verify(signer: LinkSigner) -> None:
    assert LinkSigner(b"j" * 32).verify(signer.sign("abc123")) is None


def test_short_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        LinkSigner(b"short")


def test_key_from_settings_or_generated_privately_once(tmp_path: Path) -> None:
    configured = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    configured.server.secret_key = SecretStr("s" * 40)
    assert secret_key(configured) == b"s" * 40
    generated = Settings(data_dir=tmp_path / "d", _env_file=None)  # type: ignore[call-arg]
    first = secret_key(generated)
    assert len(first) == 64 and secret_key(generated) == first
    mode = (tmp_path / "d" / "secret_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
