"""The widget while a person has the conversation: the agent's reply appears without a
reload, a reply sent while the connection was down appears once it is back (exactly once),
and the banner goes when the conversation is handed back to the bot."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.desk.credentials import new_api_key
from assistant.retrieval.index import CatalogIndex
from assistant.testing.loopback import serve_app
from tests.browser.cut_proxy import CutProxy, cut_proxy
from tests.browser.test_widget import ARGS, BUSY, CHROMIUM

try:
    from playwright.sync_api import Page, Route, expect, sync_playwright
except ImportError:  # pragma: no cover - test_widget skips the module already
    pytest.skip("the playwright package is not installed", allow_module_level=True)

pytestmark = pytest.mark.browser


@pytest.fixture
def desk_app(demo_index: CatalogIndex, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The service with an admin agent; its URL and the agent's API key."""
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    concierge = Concierge.from_settings(settings, demo_index)
    concierge.store.create_agent("ada", team="support", is_admin=True)
    key, key_hash = new_api_key()
    concierge.store.update_agent("ada", api_key_hash=key_hash)
    with serve_app(create_app(settings, concierge), name="concierge app") as url:
        yield url, key


@pytest.fixture
def proxy(desk_app: tuple[str, str]) -> Iterator[CutProxy]:
    """What the browser connects through: the test can cut its connections."""
    with cut_proxy(desk_app[0]) as proxy:
        yield proxy


@pytest.fixture
def page(proxy: CutProxy) -> Iterator[Page]:
    url = proxy.url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        context.set_default_timeout(15_000)

        def only_the_app(route: Route) -> None:
            if route.request.url.startswith(url):
                route.continue_()
            else:
                route.abort()

        context.route("**/*", only_the_app)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        yield page
        browser.close()
        assert not errors, f"JavaScript errors on the page: {errors}"


def stored_chat(page: Page) -> dict[str, str]:
    """The conversation the widget keeps in localStorage: its id and secret."""
    kept = page.evaluate(
        "() => Object.entries(localStorage).find(([k]) => k.includes('conversation'))[1]"
    )
    chat: dict[str, str] = json.loads(kept)
    return chat


def test_an_agents_reply_appears_live_and_the_bot_returns(
    page: Page, desk_app: tuple[str, str]
) -> None:
    url, key = desk_app
    page.get_by_role("button", name=re.compile("Open chat")).click()
    page.get_by_role("button", name="Talk to a person").click()
    expect(page.locator(".panel")).not_to_have_class(BUSY)
    banner = page.get_by_text("A teammate will reply here")
    expect(banner).to_be_visible()
    conversation_id = stored_chat(page)["id"]
    auth = {"Authorization": f"Bearer {key}"}
    base = f"{url}/console/api/conversations/{conversation_id}"
    text = "Hi, Ada here. Happy to help you choose."
    assert httpx.post(f"{base}/reply", json={"text": text}, headers=auth).status_code == 200
    expect(page.locator(".msg.assistant").last).to_have_text(text)  # no reload
    assert httpx.post(f"{base}/handback", headers=auth).status_code == 200
    expect(banner).to_be_hidden()


def test_a_reply_sent_while_the_connection_was_down_appears_once_it_is_back(
    page: Page, desk_app: tuple[str, str], proxy: CutProxy
) -> None:
    url, key = desk_app
    streams: list[str] = []
    page.on("request", lambda r: streams.append(r.url) if r.url.endswith("/events") else None)
    page.get_by_role("button", name=re.compile("Open chat")).click()
    page.get_by_role("button", name="Talk to a person").click()
    expect(page.get_by_text("A teammate will reply here")).to_be_visible()
    auth = {"Authorization": f"Bearer {key}"}
    base = f"{url}/console/api/conversations/{stored_chat(page)['id']}"
    assistant = page.locator(".msg.assistant")

    first = "Hi, Ada here. Let me look that up."
    assert httpx.post(f"{base}/reply", json={"text": first}, headers=auth).status_code == 200
    expect(assistant.last).to_have_text(first)  # the widget is listening
    proxy.cut()  # the connection drops (and reconnecting fails for now)
    gap = "Found it: your order ships tomorrow."
    assert httpx.post(f"{base}/reply", json={"text": gap}, headers=auth).status_code == 200
    time.sleep(2.5)  # several polls of the server: nothing reaches a dropped stream
    expect(assistant.filter(has_text=gap)).to_have_count(0)
    proxy.restore()  # back: the widget reconnects with its Last-Event-ID
    expect(assistant.filter(has_text=gap)).to_have_count(1)
    time.sleep(2.5)  # later polls and reconnects show nothing twice
    expect(assistant.filter(has_text=gap)).to_have_count(1)
    expect(assistant.filter(has_text=first)).to_have_count(1)
    assert len(streams) >= 2  # it did reconnect
