"""Smaller hardening: helpdesk timestamps must be real numbers, redirects never take the Host
header, and the storefront page sends the same strict headers as the console."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.page_headers import PAGE_HEADERS
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.desk.helpdesk import SignatureMismatch, sign, verify
from assistant.retrieval.index import CatalogIndex

SECRET = "helpdesk-secret"


@pytest.mark.parametrize(
    "stamp",
    [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"9" * 400, b'"1000"', b"true", b"null"],
)
def test_a_helpdesk_timestamp_must_be_a_finite_number(stamp: bytes) -> None:
    body = b'{"id": "r-1", "timestamp": ' + stamp + b"}"
    with pytest.raises(SignatureMismatch):
        verify(SECRET, body, sign(SECRET, body), tolerance_s=300, now=1000.0)


@pytest.fixture
def client(demo_index: CatalogIndex, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    concierge = Concierge.from_settings(settings, demo_index)
    with TestClient(create_app(settings, concierge), follow_redirects=False) as client:
        yield client


@pytest.mark.parametrize("path", ["/api/featured/", "/healthz/?x=1", "//evil.example/healthz/"])
def test_trailing_slash_redirects_are_relative(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"host": "evil.example"})
    location = response.headers.get("location", "")
    assert "evil.example" not in location
    if response.status_code in (307, 308):
        assert location.startswith("/") and not location.startswith("//")
    assert response.status_code in (307, 308, 404)


def test_a_trailing_slash_still_leads_to_the_route(client: TestClient) -> None:
    response = client.get("/healthz/?x=1", headers={"host": "evil.example"})
    assert response.status_code == 307 and response.headers["location"] == "/healthz?x=1"
    assert client.get("/nothing-here/").status_code == 404


def test_the_storefront_sends_a_strict_csp_and_no_framing(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    for name, value in PAGE_HEADERS.items():
        assert page.headers[name] == value
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "<script>" not in page.text and " style=" not in page.text  # no inline code
    for asset in ("/storefront.js", "/widget.js", "/storefront.css", "/widget.css"):
        assert client.get(asset).headers["x-content-type-options"] == "nosniff"
