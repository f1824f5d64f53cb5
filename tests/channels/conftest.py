"""Fixtures of the channel tests: one fake provider on loopback, styles, a busy reply."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from assistant.brand.models import ChannelStyle
from assistant.channels import RenderContext
from assistant.messages import ProductCard, QuickReply, Reply
from assistant.testing.fake_provider import FakeProvider, serve

META_TOKEN = "EAAG-test-token"
TWILIO_SID = "AC1234567890abcdef1234567890abcdef"
TWILIO_TOKEN = "twilio-auth-token"
TRACKED = "https://concierge.example/c/tok3n"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SENTENCE = "The **Alpine Shell** keeps rain out on long, wet hikes and packs into its own pocket. "


@pytest.fixture(scope="module")
def provider_server() -> Iterator[tuple[FakeProvider, str]]:
    fake = FakeProvider(meta_token=META_TOKEN, twilio_sid=TWILIO_SID, twilio_token=TWILIO_TOKEN)
    with serve(fake) as base_url:
        yield fake, base_url


@pytest.fixture
def provider(provider_server: tuple[FakeProvider, str]) -> FakeProvider:
    """The fake provider, with nothing recorded and nothing queued."""
    fake = provider_server[0]
    fake.reset()
    return fake


@pytest.fixture
def provider_url(provider: FakeProvider, provider_server: tuple[FakeProvider, str]) -> str:
    return provider_server[1]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sleeps() -> list[float]:
    """Every wait `send` asked for (the recorded sleep does not wait)."""
    return []


@pytest.fixture
def sleep(sleeps: list[float]) -> Callable[[float], object]:
    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    return record


def style(**changes: object) -> ChannelStyle:
    """A generous style, so the provider's limits are the ones that bind."""
    values: dict[str, object] = {
        "markdown": False, "max_chars": 5000, "max_cards": 10, "max_quick_replies": 13,
    }  # fmt: skip
    values.update(changes)
    return ChannelStyle.model_validate(values)


def context(
    recipient: str = "16505551234",
    *,
    hours_since_inbound: float | None = 1,
    human_agent: bool = False,
    links: list[str] | None = None,
    **style_changes: object,
) -> RenderContext:
    """A render context; `links` collects every URL handed to `link()`."""

    def link(url: str) -> str:
        if links is not None:
            links.append(url)
        return TRACKED

    last = None if hours_since_inbound is None else NOW - timedelta(hours=hours_since_inbound)
    return RenderContext(
        recipient=recipient,
        style=style(**style_changes),
        link=link,
        last_inbound_at=last,
        human_agent=human_agent,
        now=NOW,
    )


def product(n: int, **changes: object) -> ProductCard:
    values: dict[str, object] = {
        "product_id": f"prod-{n}",
        "variant_id": f"var-{n}",
        "title": f"Alpine Shell Waterproof Jacket, Edition {n}",
        "price": Decimal("129.00") + n,
        "in_stock": n % 3 != 0,
        "url": f"https://shop.example/products/alpine-{n}",
        "image": f"https://shop.example/img/alpine-{n}.jpg",
        "subtitle": "Packable, 20k waterproof rating",
    }
    values.update(changes)
    return ProductCard.model_validate(values)


def quick_replies(count: int) -> list[QuickReply]:
    titles = ["Sizes", "Colors", "Compare the two lightest", "Shipping", "Returns",
              "Talk to a person", "Gift wrap", "Care", "Warranty", "Stores", "Sale",
              "Kids", "Women", "Men", "Accessories"]  # fmt: skip
    return [QuickReply(title=titles[i], payload=f"opt-{i + 1}:{titles[i]}") for i in range(count)]


def busy_reply() -> Reply:
    """8 products, 6 quick replies, a 5,000-character text and a checkout link."""
    text = (SENTENCE * 60)[:5000]
    return Reply(
        text=text,
        products=[product(n) for n in range(1, 9)],
        quick_replies=quick_replies(6),
        checkout_url="https://shop.example/cart/41:1,42:2?ref=concierge",
    )
