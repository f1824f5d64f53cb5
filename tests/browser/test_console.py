"""The agent console at /console, as an agent uses it, in headless Chromium.

Shoppers talk through the real web chat API over loopback HTTP; the agent works in the browser.
Screenshots of each step land in tests/browser/output/ (gitignored).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from assistant.api.app import create_app
from assistant.api.auth import COOKIE
from assistant.channels.settings import WhatsAppSettings, WhatsAppTemplate
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.desk import csat
from assistant.desk.credentials import hash_password, secret_hash
from assistant.messages import InboundMessage
from assistant.retrieval.index import CatalogIndex
from assistant.store.models import ConversationRow
from assistant.testing.fake_provider import FakeProvider
from assistant.testing.fake_provider import serve as serve_fake_provider
from assistant.testing.loopback import serve_app
from tests.web_chat import start_chat

CHROMIUM = Path("/usr/bin/chromium")
try:
    from playwright.sync_api import Browser, Locator, Page, Route, expect, sync_playwright
except ImportError:
    pytest.skip(
        "the playwright package is not installed (pip install playwright)",
        allow_module_level=True,
    )
if not CHROMIUM.exists():
    pytest.skip(
        f"Chromium not found at {CHROMIUM} (apt-get install chromium)", allow_module_level=True
    )

pytestmark = pytest.mark.browser

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
SCREENSHOTS = Path(__file__).parent / "output"
AGENT, PASSWORD, NAME = "maya", "trail-mix-42", "Maya Ortiz"
META_TOKEN = "EAAG-console-test-token"
TEMPLATE = WhatsAppTemplate(name="reengage_v1", language="en_US", body_parameters=["Juniper"])
ASK_FOR_A_PERSON = "I want to talk to a person"


@dataclass
class Desk:
    url: str
    concierge: Concierge
    http: httpx.Client  # what shoppers' widgets send, over loopback HTTP
    provider: FakeProvider  # WhatsApp's Cloud API, faked on loopback


@pytest.fixture(scope="module")
def desk(demo_index: CatalogIndex, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """The whole service on the demo catalog, with one support agent, on a loopback port."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("console-data"), _env_file=None)  # type: ignore[call-arg]
    provider = FakeProvider(meta_token=META_TOKEN)
    with serve_fake_provider(provider) as provider_url:
        settings.channels.whatsapp = WhatsAppSettings(
            enabled=True, api_url=provider_url, phone_number_id="1029384756",
            access_token=SecretStr(META_TOKEN), app_secret=SecretStr("wa-app-secret"),
            verify_token=SecretStr("verify-me"), template=TEMPLATE,
        )  # fmt: skip
        concierge = Concierge.from_settings(settings, demo_index)
        concierge.store.create_agent(
            AGENT, team="support", display_name=NAME, password_hash=hash_password(PASSWORD)
        )
        with (
            serve_app(create_app(settings, concierge), name="concierge console") as url,
            httpx.Client(base_url=url, timeout=30) as http,
        ):
            settings.server.public_url = url
            yield Desk(url=url, concierge=concierge, http=http, provider=provider)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, desk: Desk) -> Iterator[Page]:
    """A fresh agent browser (no cookie) that only reaches the app, failing on script errors."""
    context = browser.new_context(viewport={"width": 1360, "height": 860})
    context.set_default_timeout(15_000)

    def only_the_app(route: Route) -> None:
        if route.request.url.startswith(desk.url):
            route.continue_()
        else:  # product images on the brand's domain: the page falls back to a placeholder
            route.abort()

    context.route("**/*", only_the_app)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(  # anything the page's own Content-Security-Policy had to block
        "console",
        lambda message: errors.append(message.text) if "Content Security" in message.text else None,
    )
    yield page
    context.close()
    assert not errors, f"JavaScript errors or CSP violations on the page: {errors}"


class Shopper:
    """A shopper on the web chat, through the public API (what the widget calls)."""

    def __init__(self, desk: Desk, visitor: str | None = None) -> None:
        self.http = desk.http
        self.id, self.headers, _ = start_chat(self.http, {"visitor": visitor})

    def say(self, text: str) -> dict[str, Any]:
        path = f"/api/conversations/{self.id}/messages"
        response = self.http.post(path, json={"text": text}, headers=self.headers)
        response.raise_for_status()
        reply: dict[str, Any] = response.json()
        return reply

    def history(self) -> dict[str, Any]:
        response = self.http.get(f"/api/conversations/{self.id}/messages", headers=self.headers)
        response.raise_for_status()
        said: dict[str, Any] = response.json()
        return said

    def heard(self) -> list[str]:
        return [m["text"] for m in self.history()["messages"] if m["role"] != "shopper"]


@pytest.fixture
def shopper(desk: Desk) -> Shopper:
    """A shopper who looked at rain jackets, then asked for a person: waiting in the queue."""
    shopper = Shopper(desk)
    assert shopper.say("waterproof jacket under $200")["products"]
    handed = shopper.say(ASK_FOR_A_PERSON)
    assert handed["waiting_for_human"] is True
    return shopper


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"console-{name}.png"))


def log_in(page: Page, desk: Desk, password: str = PASSWORD) -> None:
    page.goto(f"{desk.url}/console")
    page.get_by_label("Username").fill(AGENT)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def ticket(page: Page, conversation_id: str) -> Locator:
    return page.locator(f'.ticket-item[data-id="{conversation_id}"]')


def open_conversation(page: Page, shopper: Shopper) -> None:
    ticket(page, shopper.id).click()
    expect(page.locator("#conv-title")).to_be_focused()
    expect(page.locator(".msg.shopper").last).to_have_text(re.compile(ASK_FOR_A_PERSON))


def button(page: Page, name: str) -> Locator:
    return page.get_by_role("group", name="Conversation actions").get_by_role(
        "button", name=name, exact=True
    )


def reply_box(page: Page) -> Locator:
    return page.get_by_label("Reply to the shopper")


def test_anonymous_visit_shows_the_sign_in_form_and_a_wrong_password_an_error(
    page: Page, desk: Desk
) -> None:
    response = page.goto(f"{desk.url}/console")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Username")).to_be_focused()
    expect(page.get_by_role("navigation", name="Queue")).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()

    log_in(page, desk, password="not-the-password")
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page.get_by_label("Password")).to_be_focused()
    expect(page.get_by_role("navigation", name="Queue")).to_be_hidden()
    shot(page, "1-wrong-password")


def test_agent_claims_replies_and_hands_back(page: Page, desk: Desk, shopper: Shopper) -> None:
    log_in(page, desk)
    expect(page.get_by_role("navigation", name="Queue")).to_be_visible()
    expect(page.locator("#agent-name")).to_have_text(NAME)
    expect(page.locator("#live")).to_have_text("Live")
    item = ticket(page, shopper.id)
    expect(item.locator(".reason")).to_have_text(re.compile("asked for a person", re.I))
    expect(item.locator(".wait")).to_have_text(re.compile(r"waiting (under a minute|\d+ min)"))
    expect(item.locator(".channel")).to_have_text("Web chat")
    expect(item.locator(".state")).to_have_text("Unclaimed")
    shot(page, "2-queue")

    open_conversation(page, shopper)
    expect(page.locator(".msg.shopper").first).to_have_text(re.compile("waterproof jacket"))
    expect(page.locator(".msg.assistant").first).to_be_visible()
    expect(page.locator("#ticket-summary")).to_contain_text(ASK_FOR_A_PERSON)
    cards = page.locator("#ticket-products .card")
    expect(cards.first).to_be_visible()
    for price in cards.locator(".price").all_inner_texts():
        assert float(price.replace("$", "").replace(",", "")) <= 200
    expect(cards.first.locator("img")).to_have_attribute("src", re.compile("^data:image/svg"))
    expect(page.locator("#reply-hint")).to_contain_text("Sending claims the conversation")
    shot(page, "3-conversation")

    button(page, "Claim").click()
    expect(reply_box(page)).to_be_enabled()
    expect(reply_box(page)).to_be_focused()
    expect(page.locator("#conv-meta")).to_contain_text("assigned to you")
    expect(item.locator(".state")).to_have_text("Claimed by you")

    answer = "Hi, I'm Maya. The Ridgeline shell comes in M; shall I hold one for you?"
    page.keyboard.type(answer)
    page.keyboard.press("Enter")
    expect(page.locator(".msg.agent").last.locator(".text")).to_have_text(answer)
    expect(page.locator(".msg.agent").last.locator(".author")).to_have_text(NAME)
    expect(reply_box(page)).to_have_value("")
    assert answer in shopper.heard()  # the reply went out on the shopper's channel
    shot(page, "4-replied")

    # A new shopper message shows up in the open conversation by itself (SSE, no reload).
    page.evaluate("window.notReloaded = true")
    assert shopper.say("Yes please, size M!")["text"] == ""  # the bot stays quiet meanwhile
    expect(page.locator(".msg.shopper").last.locator(".text")).to_have_text("Yes please, size M!")
    assert page.evaluate("window.notReloaded") is True
    shot(page, "5-live-message")

    button(page, "Hand back to bot").click()
    expect(page.locator("#conv-meta")).to_contain_text("With the bot")
    expect(page.locator("#conv-notice")).to_contain_text("Handed back")
    expect(reply_box(page)).to_be_disabled()
    for name in ("Claim", "Hand back to bot", "Close"):
        expect(button(page, name)).to_be_hidden()
    newest = page.locator(".msg").last
    expect(newest).to_be_in_viewport(
        ratio=0.9
    )  # the notice took room; the newest message stays in view
    expect(ticket(page, shopper.id)).to_have_count(0)  # it left the queue
    shot(page, "6-handed-back")

    answered = shopper.say("how long does shipping take?")
    assert answered["waiting_for_human"] is False
    assert "business days" in answered["text"]  # the bot answers again


def test_agent_closes_and_the_shopper_is_asked_to_rate(
    page: Page, desk: Desk, shopper: Shopper
) -> None:
    log_in(page, desk)
    open_conversation(page, shopper)
    button(page, "Claim").click()
    expect(reply_box(page)).to_be_focused()
    before = len(shopper.heard())

    button(page, "Close").click()
    expect(page.locator("#conv-meta")).to_contain_text("Closed")
    expect(page.locator("#reply-hint")).to_contain_text("This conversation is closed.")
    expect(reply_box(page)).to_be_disabled()
    expect(button(page, "Reopen")).to_be_visible()
    for name in ("Claim", "Hand back to bot", "Close"):
        expect(button(page, name)).to_be_hidden()
    expect(page.locator("#conv-title")).to_be_focused()
    shot(page, "7-closed")

    assert shopper.heard()[before:] == [csat.QUESTION]  # on the shopper's channel

    assert shopper.say("5 - quick and kind")["text"] == csat.THANKS
    expect(page.locator(".msg.shopper .text").last).to_have_text("5 - quick and kind")
    expect(page.locator("#ticket-facts dt").last).to_have_text("Shopper's rating")
    expect(page.locator("#ticket-facts dd").last).to_have_text("5 / 5")
    shot(page, "8-rated")


def test_a_reply_the_channel_forbids_says_why(page: Page, desk: Desk) -> None:
    shopper = Shopper(desk, visitor=desk.http.post("/api/visitors").json()["visitor"])
    assert shopper.say(ASK_FOR_A_PERSON)["waiting_for_human"] is True
    log_in(page, desk)
    open_conversation(page, shopper)
    button(page, "Claim").click()
    expect(reply_box(page)).to_be_focused()
    conversation = desk.concierge.get(shopper.id)
    assert conversation is not None
    desk.concierge.store.set_opt_out("web", conversation.sender, True)  # STOP, meanwhile

    reply_box(page).fill("Are you still there?")
    reply_box(page).press("Enter")
    expect(page.locator("#reply-error")).to_contain_text("opted out")
    expect(reply_box(page)).to_have_value("Are you still there?")  # kept, not lost
    expect(page.locator("#window-note")).to_contain_text("opted out")
    expect(reply_box(page)).to_be_disabled()
    expect(page.locator(".msg.agent")).to_have_count(0)
    assert "Are you still there?" not in shopper.heard()
    shot(page, "9-window-closed")


def test_shopper_text_is_shown_as_text_never_as_markup(page: Page, desk: Desk) -> None:
    hostile = "<img src=x onerror=\"document.title='pwned'\"> talk to a person\n<b>now</b>"
    shopper = Shopper(desk)
    assert shopper.say(hostile)["waiting_for_human"] is True
    log_in(page, desk)
    item = ticket(page, shopper.id)
    expect(item.locator(".summary")).to_contain_text("<img src=x")
    item.click()
    said = page.locator(".msg.shopper .text").last
    expect(said).to_have_text(hostile)
    assert page.locator("#conversation img:not(.card img)").count() == 0
    assert page.locator("#conversation b").count() == 0
    assert page.title() != "pwned"


def test_reload_and_small_screens_keep_the_conversation(
    page: Page, desk: Desk, shopper: Shopper
) -> None:
    log_in(page, desk)
    open_conversation(page, shopper)
    page.reload()  # the address names the open conversation
    expect(page.locator("#conv-title")).to_have_text("Web chat shopper")
    expect(page.locator(".msg.shopper").last).to_have_text(re.compile(ASK_FOR_A_PERSON))
    for width, height in ((900, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"10-width-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
        reply_box(page).scroll_into_view_if_needed()
        expect(reply_box(page)).to_be_in_viewport()


def test_another_teams_ticket_is_not_listed(page: Page, desk: Desk, shopper: Shopper) -> None:
    desk.concierge.store.create_agent(
        "olu", team="orders", display_name="Olu", password_hash=hash_password(PASSWORD)
    )
    page.goto(f"{desk.url}/console")
    page.get_by_label("Username").fill("olu")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_text("No one is waiting")).to_be_visible()  # support's ticket: not theirs
    expect(page.locator(f'.ticket-item[data-id="{shopper.id}"]')).to_have_count(0)


def test_keyboard_only(page: Page, desk: Desk, shopper: Shopper) -> None:
    page.goto(f"{desk.url}/console")
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type(AGENT)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    item = ticket(page, shopper.id)
    expect(item).to_be_visible()
    expect(page.get_by_role("heading", name="Queue")).to_be_focused()
    for _ in range(page.locator(".ticket-item").count()):  # Tab down the queue to this shopper
        page.keyboard.press("Tab")
        if item.evaluate("node => node === document.activeElement"):
            break
    expect(item).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#conv-title")).to_be_focused()
    page.keyboard.press("Tab")
    expect(button(page, "Claim")).to_be_focused()
    page.keyboard.press("Enter")
    expect(reply_box(page)).to_be_focused()
    page.keyboard.type("Typed without a mouse.")
    page.keyboard.press("Enter")
    expect(page.locator(".msg.agent .text").last).to_have_text("Typed without a mouse.")


def test_sign_out_returns_to_the_form_and_the_session_is_gone(page: Page, desk: Desk) -> None:
    log_in(page, desk)
    expect(page.get_by_role("navigation", name="Queue")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.request.get(f"{desk.url}/console/api/me").status == 401
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_an_ended_session_returns_to_the_sign_in_form(page: Page, desk: Desk) -> None:
    log_in(page, desk)
    expect(page.locator("#live")).to_have_text("Live")
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE)
    desk.concierge.store.end_session(secret_hash(cookie["value"]))  # expired, or ended elsewhere
    Shopper(desk).say(ASK_FOR_A_PERSON)  # the queue changes: the page asks, gets a 401
    expect(page.get_by_role("alert")).to_have_text("Your session has ended. Please sign in again.")
    expect(page.get_by_role("navigation", name="Queue")).to_be_hidden()
    expect(page.get_by_label("Password")).to_be_focused()


def test_the_queue_updates_live_and_catches_up_after_a_dropped_stream(
    page: Page, desk: Desk
) -> None:
    dropped = {"on": True}

    def events(route: Route) -> None:
        route.abort() if dropped["on"] else route.continue_()

    page.route("**/console/api/events", events)
    log_in(page, desk)
    expect(page.locator("#live")).to_have_text("Reconnecting")
    missed = Shopper(desk)
    missed.say(ASK_FOR_A_PERSON)  # while the page hears nothing
    expect(ticket(page, missed.id)).to_have_count(0)

    dropped["on"] = False
    expect(page.locator("#live")).to_have_text("Live")
    expect(ticket(page, missed.id)).to_be_visible()  # read again on reconnecting

    later = Shopper(desk)
    later.say(ASK_FOR_A_PERSON)
    expect(ticket(page, later.id)).to_be_visible()  # pushed, no reload

    ticket(page, missed.id).click()  # a draft stays with its conversation
    reply_box(page).fill("Half a thought")
    ticket(page, later.id).click()
    expect(page.locator("#conv-meta")).to_contain_text(later.id)
    expect(reply_box(page)).to_have_value("")
    page.go_back()  # the address names the conversation, so Back returns to the first
    expect(page.locator("#conv-meta")).to_contain_text(missed.id)
    expect(reply_box(page)).to_have_value("Half a thought")


def test_whatsapp_past_its_24_hours_offers_the_approved_template(page: Page, desk: Desk) -> None:
    sender = f"1650555{uuid.uuid4().int % 10**4:04d}"
    desk.concierge.handle(InboundMessage(channel="whatsapp", sender=sender, text=ASK_FOR_A_PERSON))
    conversation_id = f"whatsapp:{sender}"
    with desk.concierge.store.session() as session:  # the shopper last wrote 25 hours ago
        row = session.get(ConversationRow, conversation_id)
        assert row is not None and row.state == "pending_human"
        row.last_inbound_at = datetime.now(UTC) - timedelta(hours=25)
    deadline = time.monotonic() + 15  # the bot's handoff message went out while the window was open
    while not (earlier := [b for b in desk.provider.sent() if b.get("to") == sender]):
        assert time.monotonic() < deadline, "the handoff message did not reach WhatsApp"
        time.sleep(0.1)
    assert [b["type"] for b in earlier] == ["text"]

    log_in(page, desk)
    ticket(page, conversation_id).click()
    expect(page.locator("#conv-title")).to_have_text("WhatsApp shopper")
    expect(page.locator("#window-note")).to_have_text(
        "WhatsApp 24-hour window closed: only the template can be sent."
    )
    expect(reply_box(page)).to_be_disabled()
    expect(page.locator("#reply-hint")).to_contain_text("only the approved template can be sent")
    shot(page, "11-whatsapp-template-only")

    page.get_by_role("button", name="Send the approved template").click()
    expect(page.locator("#conv-notice")).to_contain_text("Template sent")
    expect(page.locator("#conv-meta")).to_contain_text("assigned to you")  # sending claimed it
    expect(page.locator(".msg.agent .text").last).to_contain_text("approved template")
    deadline = time.monotonic() + 15
    while not (sent := [b for b in desk.provider.sent() if b.get("to") == sender][1:]):
        assert time.monotonic() < deadline, "nothing reached WhatsApp"
        time.sleep(0.1)
    assert [b["type"] for b in sent] == ["template"]
    assert sent[0]["template"]["name"] == "reengage_v1"


def test_shopper_in_the_widget_and_agent_in_the_console(
    browser: Browser, page: Page, desk: Desk
) -> None:
    """Both sides live at once: no reload on either."""
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    context.set_default_timeout(15_000)
    context.route(
        "**/*", lambda r: r.continue_() if r.request.url.startswith(desk.url) else r.abort()
    )
    widget = context.new_page()
    widget.goto(desk.url)
    widget.get_by_role("button", name=re.compile("Open chat")).click()
    widget.get_by_role("button", name="Talk to a person").click()
    expect(widget.get_by_text("A teammate will reply here")).to_be_visible()
    conversation_id = json.loads(widget.evaluate("Object.values(localStorage)[0]"))["id"]

    log_in(page, desk)
    ticket(page, conversation_id).click()
    button(page, "Claim").click()
    reply_box(page).fill("Hello from Maya! How can I help?")
    reply_box(page).press("Enter")
    expect(widget.locator(".msg.assistant").last).to_have_text("Hello from Maya! How can I help?")

    box = widget.get_by_label("Message", exact=True)
    box.fill("Do you ship to Canada?")
    box.press("Enter")
    expect(page.locator(".msg.shopper .text").last).to_have_text("Do you ship to Canada?")
    shot(page, "12-console-beside-the-widget")
    widget.screenshot(path=str(SCREENSHOTS / "console-12-the-widget.png"))

    button(page, "Hand back to bot").click()
    expect(widget.get_by_text("A teammate will reply here")).to_be_hidden()
    context.close()
