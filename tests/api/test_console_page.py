"""The agent console page's HTTP side: served by the app, strict CSP, no inline code or markup."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.console_page import STATIC
from assistant.config import Settings


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    """The whole app; the page needs no lifespan (no catalog), so none is started."""
    return TestClient(create_app(Settings(data_dir=tmp_path, _env_file=None)))  # type: ignore[call-arg]


def _policy(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def test_the_page_is_public_html_with_a_strict_content_security_policy(client: TestClient) -> None:
    response = client.get("/console")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = _policy(response.headers["content-security-policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'none'"]
    assert not any("unsafe" in s for sources in policy.values() for s in sources)
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "Sign in" in response.text


def test_script_and_styles_are_served_from_this_origin(client: TestClient) -> None:
    script = client.get("/console/console.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["x-content-type-options"] == "nosniff"
    styles = client.get("/console/console.css")
    assert styles.headers["content-type"].startswith("text/css")
    assert client.get("/console/console.html").status_code == 404  # only the listed assets


class _Inline(HTMLParser):
    """Collects what a `script-src 'self'; style-src 'self'` policy would block."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []
        self.scripts: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        self.blocked += [f"{tag} {name}=" for name in names if name.startswith("on")]
        if "style" in names or tag == "style":
            self.blocked.append(f"{tag} style")
        if tag == "script":
            self.scripts.append(dict(attrs).get("src") or "")
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script" and data.strip():
            self.blocked.append("inline script")


def test_the_page_holds_no_inline_script_style_or_handler(client: TestClient) -> None:
    parser = _Inline()
    parser.feed(client.get("/console").text)
    assert parser.blocked == []
    assert parser.scripts == ["/console/console.js"]


def test_the_script_never_parses_text_as_markup() -> None:
    source = (STATIC / "console.js").read_text()
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", source)
    assert 'credentials: "same-origin"' in source
    assert '"content-type"] = "application/json"' in source
