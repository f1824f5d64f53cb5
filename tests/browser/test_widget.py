"""The chat widget on the demo storefront, as a shopper uses it, in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
try:
    from playwright.sync_api import Browser, Page, Route, expect, sync_playwright
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
    # Belt and braces beside the route below: no name but loopback ever resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
SCREENSHOTS = Path(__file__).parent / "output"
CHECKOUT = re.compile(
    r"^(https?://127\.0\.0\.1:\d+/c/[\w.-]+"
    r"|https://cairnandcompass\.example/cart/\d+:\d+(,\d+:\d+)*([?#].*)?)$"
)
BUSY = re.compile(r"\bbusy\b")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, app_url: str) -> Iterator[Page]:
    """A fresh shopper (empty storage) whose browser only reaches the app."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)

    def only_the_app(route: Route) -> None:
        url = route.request.url
        if url.startswith(app_url):
            route.continue_()
        elif url.startswith("https://cairnandcompass.example/cart/"):
            route.fulfill(content_type="text/html", body="<h1>Your cart</h1>")
        else:  # product images on the .example domain, anything else: the widget falls back
            route.abort()

    context.route("**/*", only_the_app)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(app_url)
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def open_chat(page: Page) -> None:
    page.get_by_role("button", name=re.compile("Open chat")).click()
    expect(page.get_by_role("dialog")).to_be_visible()
    idle(page)


def idle(page: Page) -> None:
    """Wait until the widget has its answer (no request in flight)."""
    expect(page.locator(".panel")).not_to_have_class(BUSY)


def say(page: Page, text: str) -> None:
    box = page.get_by_label("Message", exact=True)
    box.fill(text)
    box.press("Enter")


def assistant_texts(page: Page) -> list[str]:
    return page.locator(".msg.assistant").all_inner_texts()


def screenshot(page: Page, tmp_path: Path) -> Path:
    path = tmp_path / "widget.png"
    page.screenshot(path=str(path))
    if os.environ.get("ASSISTANT_SCREENSHOTS"):
        SCREENSHOTS.mkdir(exist_ok=True)
        shutil.copyfile(path, SCREENSHOTS / path.name)
    return path


def test_storefront_tiles_have_placeholders_and_ask_the_chat(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gear for the long way round")
    tiles = page.locator(".tile")
    expect(tiles).to_have_count(12)
    first = tiles.first.locator("img")
    expect(first).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))

    name = tiles.first.locator(".name").inner_text()
    tiles.first.get_by_role("button", name=f"Ask Juniper about the {name}").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.locator(".msg.shopper")).to_have_text([f"Tell me about the {name}"])
    idle(page)
    assert len(assistant_texts(page)) == 2  # the greeting, then the answer


def search_jackets(page: Page) -> None:
    open_chat(page)
    say(page, "waterproof jacket under $200")
    idle(page)


def test_search_shows_cards_and_chips_answer(page: Page) -> None:
    open_chat(page)
    expect(page.get_by_role("heading", name=re.compile("Juniper"))).to_be_visible()
    assert "Juniper" in assistant_texts(page)[0]
    say(page, "waterproof jacket under $200")
    idle(page)
    expect(page.locator(".msg.shopper").last).to_have_text("waterproof jacket under $200")
    cards = page.locator(".card")
    assert cards.count() >= 2
    for price in cards.locator(".now").all_inner_texts():
        assert float(price.replace("$", "").replace(",", "")) <= 200
    expect(cards.first.locator("img")).to_have_attribute("src", re.compile("^data:image/svg"))
    expect(cards.first.locator(".badge")).to_have_text("In stock")

    before = len(assistant_texts(page))
    chip = page.get_by_role("group", name="Suggested replies").get_by_role("button").first
    chip_title = chip.inner_text()
    chip.click()
    idle(page)
    expect(page.locator(".msg.shopper").last).to_have_text(chip_title)
    assert len(assistant_texts(page)) == before + 1


def test_buy_then_size_and_colour_chips_lead_to_checkout(page: Page, tmp_path: Path) -> None:
    search_jackets(page)
    card = page.locator(".card").first
    title = card.locator(".title").inner_text()
    card.get_by_role("button", name=f"Buy {title}").click()
    idle(page)
    expect(page.locator(".msg.shopper").last).to_have_text(f"I'll take the {title}")
    checkout = page.locator("a.checkout")
    for _ in range(4):  # answer the size / colour questions with their chips
        if checkout.count():
            break
        chips = page.locator(".chips .chip")
        last = assistant_texts(page)[-1]
        assert chips.count(), f"no chips and no checkout; the assistant said {last!r}"
        chips.first.click()
        idle(page)
    expect(checkout.first).to_be_visible()
    screenshot(page, tmp_path)

    with page.expect_request(lambda request: CHECKOUT.match(request.url) is not None) as request:
        checkout.first.click()
    assert request.value.is_navigation_request()  # a tracked /c/ link, or the cart itself
    page.wait_for_url(re.compile(r"^https://cairnandcompass\.example/cart/\d+:\d+"))
    expect(page.get_by_role("heading")).to_have_text("Your cart")


def test_reload_shows_the_same_conversation(page: Page) -> None:
    open_chat(page)
    say(page, "lightweight 2-person tent")
    idle(page)
    answer = assistant_texts(page)[-1]
    cards = page.locator(".card .title").all_inner_texts()
    assert cards
    conversation = page.evaluate("Object.entries(localStorage)")
    page.reload()
    expect(page.get_by_role("dialog")).to_be_visible()  # it stays open across pages
    idle(page)
    expect(page.locator(".msg.shopper")).to_have_text(["lightweight 2-person tent"])
    assert assistant_texts(page) == [answer]  # the history, not a new greeting
    expect(page.locator(".card .title")).to_have_text(cards)  # with its product cards
    assert page.evaluate("Object.entries(localStorage)") == conversation


def test_a_dropped_connection_sends_the_message_once(page: Page, app_url: str) -> None:
    open_chat(page)
    before = len(assistant_texts(page))
    page.context.set_offline(True)
    say(page, "how long does shipping take?")
    expect(page.get_by_role("status").filter(has_text="Reconnecting")).to_be_visible()
    expect(page.locator(".msg.shopper")).to_have_text(["how long does shipping take?"])
    page.context.set_offline(False)
    idle(page)
    expect(page.get_by_text("Reconnecting")).to_be_hidden()
    assert len(assistant_texts(page)) == before + 1
    assert "business days" in assistant_texts(page)[-1]

    stored = json.loads(page.evaluate("Object.values(localStorage)")[0])  # its id and secret
    history = page.request.get(
        f"{app_url}/api/conversations/{stored['id']}/messages",
        headers={"X-Conversation-Secret": stored["secret"]},
    ).json()
    said = [m["text"] for m in history["messages"] if m["role"] == "shopper"]
    assert said == ["how long does shipping take?"]


def test_talk_to_a_person_shows_the_banner(page: Page) -> None:
    open_chat(page)
    expect(page.get_by_text("A teammate will reply here")).to_be_hidden()
    page.get_by_role("button", name="Talk to a person").click()
    idle(page)
    expect(page.locator(".msg.shopper").last).to_have_text("I'd like to talk to a person")
    expect(page.get_by_text("A teammate will reply here")).to_be_visible()


def test_text_is_shown_as_text_never_as_markup(page: Page) -> None:
    open_chat(page)
    say(page, "<img src=x onerror=\"document.title='pwned'\"> line one\nline two")
    idle(page)
    shopper = page.locator(".msg.shopper").last
    expect(shopper).to_contain_text("<img src=x")
    assert shopper.locator("img").count() == 0 and page.title() != "pwned"
    assert "\n" in shopper.inner_text()


def test_keyboard_only(page: Page) -> None:
    launcher = page.get_by_role("button", name=re.compile("Open chat"))
    launcher.focus()
    page.keyboard.press("Enter")
    idle(page)
    expect(page.get_by_label("Message", exact=True)).to_be_focused()
    page.keyboard.type("what's your return policy?")
    page.keyboard.press("Enter")
    idle(page)
    assert "60 days" in assistant_texts(page)[-1]
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()
