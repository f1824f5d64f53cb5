"""The analytics page over the seeded run (200 simulated conversations), signed in as an agent,
in headless Chromium: real figures, charts drawn, the A/B verdict, no CSP violation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.retrieval.index import CatalogIndex
from tests.analytics.seeded import (
    AGENT,
    CONVERSATIONS,
    PASSWORD,
    SeededRun,
    close_seeded,
    seeded_once,
)

CHROMIUM = Path("/usr/bin/chromium")
try:
    from playwright.sync_api import Browser, Locator, Page, Route, expect, sync_playwright
except ImportError:
    pytest.skip("the playwright package is not installed", allow_module_level=True)
if not CHROMIUM.exists():
    pytest.skip(f"Chromium not found at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.browser

ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]  # fmt: skip
SCREENSHOTS = Path(__file__).parent / "output"


@pytest.fixture(scope="session")
def seeded_run(
    demo_index: CatalogIndex, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SeededRun]:
    """The analytics tests' seeded run (one per session, whichever asks first)."""
    yield seeded_once(demo_index, tmp_path_factory)
    close_seeded()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, seeded_run: SeededRun) -> Iterator[Page]:
    """A fresh agent's browser that only reaches the app; fails on any script or CSP error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)

    def only_the_app(route: Route) -> None:
        if route.request.url.startswith(seeded_run.url):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_the_app)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if _unexpected(m.type, m.text) else None)
    yield page
    context.close()
    assert not errors, f"errors on the page: {errors}"


def _unexpected(kind: str, text: str) -> bool:
    """A console error other than the 401 the page expects before signing in."""
    return kind == "error" and "status of 401" not in text


def _kpi(page: Page, label: str) -> Locator:
    """The value of the key-figure card with this label."""
    card = page.locator(".kpi").filter(has=page.locator(".label").get_by_text(label, exact=True))
    return card.locator(".value")


def _sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/console/analytics")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(AGENT)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("body[data-loaded=true]")).to_have_count(1)


def test_a_wrong_password_is_refused(page: Page, seeded_run: SeededRun) -> None:
    page.goto(f"{seeded_run.url}/console/analytics")
    page.get_by_label("Username").fill(AGENT)
    page.get_by_label("Password").fill("not the password")
    with page.expect_response(re.compile(r"/console/api/login$")) as refused:
        page.get_by_role("button", name="Sign in").click()
    assert refused.value.status == 401
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page.locator("#report")).to_be_hidden()


def test_the_page_shows_the_seeded_figures_and_charts(page: Page, seeded_run: SeededRun) -> None:
    _sign_in(page, seeded_run.url)
    expect(_kpi(page, "Conversations")).to_have_text(str(CONVERSATIONS))
    for label in ("Resolved by bot", "Handed off", "Checkout click-through"):
        expect(_kpi(page, label)).to_have_text(re.compile(r"^\d+\.\d%$"))
    expect(_kpi(page, "CSAT")).to_have_text(re.compile(r"^\d\.\d\d$"))
    assert page.locator("#daily-chart svg rect").count() >= 4  # a bar per channel today
    assert page.locator("#channel-chart svg rect").count() == 4 * 3
    assert page.locator("#variant-chart svg rect").count() == 2 * 3
    assert page.locator("#ab-chart svg circle").count() == 1
    expect(page.locator("#ab-verdicts li")).to_have_text(
        re.compile(r"^playful: .* against .* 95% CI .*(not significant|significant)\.$")
    )
    expect(page.locator("#baseline")).to_have_text("default")
    rows = page.locator("#figures tbody tr").all_inner_texts()
    assert any(row.startswith("whatsapp") for row in rows)
    assert any(row.startswith("playful") for row in rows)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "analytics.png"), full_page=True)
