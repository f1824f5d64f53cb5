"""The widget's "Continue from WhatsApp": the code arrives on WhatsApp (the fake provider), the
shopper types it in the widget, and the WhatsApp chat appears and continues in the browser."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from assistant.api.app import create_app
from assistant.channels.settings import WhatsAppSettings
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.messages import Reply
from assistant.retrieval.index import CatalogIndex
from assistant.testing.fake_provider import FakeProvider, serve, whatsapp_text_webhook
from assistant.testing.loopback import serve_app
from tests.browser.test_widget import (  # skips this module too without Playwright or Chromium
    ARGS,
    CHROMIUM,
    Page,
    Route,
    expect,
    idle,
    open_chat,
    say,
    sync_playwright,
)
from tests.channels.conftest import META_TOKEN

pytestmark = pytest.mark.browser
WA_SECRET = "wa-app-secret"
SHOPPER = "16505551234"


def _sent_to(fake: FakeProvider, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sent = [b for b in fake.sent() if b.get("to") == SHOPPER]
        if len(sent) >= count:
            return sent
        time.sleep(0.05)
    raise AssertionError("nothing reached the shopper's WhatsApp")


def _code_sent(fake: FakeProvider) -> re.Match[str]:
    """The one-time code, from the WhatsApp message that carries it (the earlier reply may
    have reached the shopper as several messages)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for body in _sent_to(fake, 1):
            if "code" in json.dumps(body).lower():
                found = re.search(r"\b(\d{6})\b", json.dumps(body))
                if found is not None:
                    return found
        time.sleep(0.05)
    raise AssertionError("no code reached the shopper's WhatsApp")


@pytest.fixture(scope="module")
def world(
    demo_index: CatalogIndex, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, FakeProvider, Concierge]]:
    fake = FakeProvider(meta_token=META_TOKEN)
    data_dir: Path = tmp_path_factory.mktemp("linking-data")
    settings = Settings(data_dir=data_dir, _env_file=None)  # type: ignore[call-arg]
    with serve(fake) as provider_url:
        settings.channels.whatsapp = WhatsAppSettings(
            enabled=True, api_url=provider_url, phone_number_id="1029384756",
            access_token=SecretStr(META_TOKEN), app_secret=SecretStr(WA_SECRET),
            verify_token=SecretStr("verify-me"),
        )  # fmt: skip
        concierge = Concierge.from_settings(settings, demo_index)
        with serve_app(create_app(settings, concierge), name="concierge app") as url:
            settings.server.public_url = url
            yield url, fake, concierge


@pytest.fixture
def page(world: tuple[str, FakeProvider, Concierge]) -> Iterator[Page]:
    url = world[0]
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


def test_continue_from_whatsapp_in_the_widget(
    world: tuple[str, FakeProvider, Concierge], page: Page
) -> None:
    url, fake, concierge = world
    webhook = whatsapp_text_webhook(WA_SECRET, sender=SHOPPER, text="insulated water bottle")
    posted = httpx.post(f"{url}/webhooks/whatsapp", content=webhook.body, headers=webhook.headers)
    assert posted.status_code == 200
    _sent_to(fake, 1)
    rows = concierge.store.messages(f"whatsapp:{SHOPPER}")
    shown = Reply.model_validate([r for r in rows if r.direction == "outbound"][-1].payload)
    assert len(shown.products) >= 2

    open_chat(page)
    page.get_by_role("button", name="Continue from WhatsApp").click()
    phone = page.get_by_label("Your WhatsApp number")
    phone.fill("+1 650 555 1234")
    phone.press("Enter")
    expect(page.get_by_role("status").filter(has_text="We sent a code")).to_be_visible()
    code = _code_sent(fake)
    box = page.get_by_label("The code we sent")
    box.fill(code.group(1))
    box.press("Enter")

    expect(page.locator(".msg.shopper").first).to_have_text(re.compile("insulated water bottle"))
    expect(page.locator(".msg.shopper").first).to_have_attribute("data-channel", "whatsapp")
    expect(page.locator(".card .title").first).to_have_text(shown.products[0].title)
    idle(page)
    say(page, "tell me more about the second one")
    idle(page)
    expect(page.locator(".msg.assistant").last).to_contain_text(shown.products[1].title)
