"""The assertions themselves: argument constraints, cart validity, provider limits, sources."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from assistant.brand.models import ChannelStyle
from assistant.config import PROJECT_ROOT
from assistant.errors import ConfigurationError
from assistant.evals.arguments import satisfied
from assistant.evals.cart import check_checkout
from assistant.evals.cases import CATEGORIES, CheckoutExpectation, SourceRef, load_cases
from assistant.evals.channel_limits import _messenger, _sms, _whatsapp, check_rendering
from assistant.evals.command import DEFAULT_CASES
from assistant.evals.sources import SharedData, SourceMissingError
from assistant.messages import ProductCard, QuickReply, Reply
from assistant.retrieval.models import Product

STYLE = ChannelStyle(markdown=False, max_chars=5000, max_cards=10, max_quick_replies=13)


def test_argument_constraints() -> None:
    args = {"query": "Waterproof Jacket", "filters": {"price_max": "200"}, "ids": ["a", "b"]}
    assert satisfied(args, {"query": {"contains": "jacket"}, "filters.price_max": {"lte": 200}})
    assert satisfied(args, {"ids.1": "B", "ids": {"contains": "a"}})
    assert not satisfied(args, {"filters.price_max": {"lte": 100}})
    assert not satisfied(args, {"filters.color": {"present": True}})
    with pytest.raises(ValueError, match="unknown"):
        satisfied(args, {"query": {"like": "x"}})


def _product() -> Product:
    return Product.model_validate(
        {"id": "stove", "title": "Stove", "variants": [
            {"id": "11", "price": "59.00", "stock": 3}, {"id": "12", "price": "59.00", "stock": 0},
        ]}
    )  # fmt: skip


def _cart(url: str | None, want: CheckoutExpectation) -> str:
    product = _product()
    reply = Reply(text="", checkout_url="https://shop/c/tok" if url else None)
    check = check_checkout(reply, want, lambda _: url, lambda v: product if v in "1112" else None)
    return check.status + " " + check.detail


def test_cart_validity() -> None:
    want = CheckoutExpectation.model_validate({"items": [{"variant": "11", "quantity": 2}]})
    assert _cart("https://s.example/cart/11:2?ref=x", want).startswith("passed")
    assert "expected" in _cart("https://s.example/cart/11:1", want)
    assert "sold out" in _cart("https://s.example/cart/12:2", want)
    assert "not in the catalog" in _cart("https://s.example/cart/99:2", want)
    assert "discount" in _cart("https://s.example/cart/11:2?discount=FREE", want)
    assert "no checkout link" in _cart(None, want)
    assert "not a Shopify cart" in _cart("https://s.example/elsewhere", want)


def test_provider_limits_are_checked_on_payloads() -> None:
    buttons = [{"reply": {"title": "x" * 21}}] * 4
    problems = _whatsapp({"type": "interactive", "interactive": {"action": {"buttons": buttons}}})
    assert any("4 WhatsApp reply buttons" in p for p in problems)
    assert any("over 20" in p for p in problems)
    rows = [{"title": "y" * 25}] * 11
    problems = _whatsapp({"interactive": {"action": {"sections": [{"rows": rows}]}}})
    assert any("11 WhatsApp list rows" in p for p in problems) and any("24" in p for p in problems)
    assert any(
        "14 quick replies" in p for p in _messenger({"quick_replies": [{"title": "a"}] * 14})
    )
    assert any("markdown" in p for p in _sms("**bold** text"))
    assert any("segments" in p for p in _sms("word " * 200))


@pytest.mark.parametrize("channel", ["whatsapp", "messenger", "instagram", "sms"])
def test_real_adapters_keep_a_busy_reply_within_limits(channel: str) -> None:
    card = ProductCard(
        product_id="p", title="A very long product title that keeps going and going",
        price=Decimal("129.00"), in_stock=True, url="https://shop.example/p",
    )  # fmt: skip
    reply = Reply(
        text="**Here** are some picks. " * 30,
        products=[card] * 12,
        quick_replies=[
            QuickReply(title=f"Option number {n} here", payload=f"o{n}") for n in range(14)
        ],
        checkout_url="https://shop.example/c/abc",
    )
    style = STYLE.model_copy(update={"options": "numbered"}) if channel == "sms" else STYLE
    assert check_rendering(reply, channel, style).status == "passed"


def test_referenced_words_are_read_or_reported_missing(tmp_path: Path) -> None:
    folder = tmp_path / "ecommerce-faq-chatbot"
    folder.mkdir()
    (folder / "ground_truth.csv").write_text("question,document\nHow do I pay?,x\n")
    data = SharedData(tmp_path)
    ref = SourceRef(dataset="ecommerce-faq-chatbot", file="ground_truth.csv", row=1)
    assert data.text(ref) == "How do I pay?"
    with pytest.raises(SourceMissingError):
        data.text(ref.model_copy(update={"row": 2}))
    with pytest.raises(SourceMissingError):
        SharedData(tmp_path / "absent").text(ref)
    with pytest.raises(SourceMissingError):
        data.text(ref.model_copy(update={"file": "../../etc/passwd"}))


def test_shipped_cases_load_and_cover_every_category() -> None:
    """The gated cases and the development conversations not yet gated cover every category
    with ten cases or more; the gate holds most of them."""
    gated = load_cases([PROJECT_ROOT / "evals" / "cases"])
    cases = gated + load_cases([PROJECT_ROOT / "evals" / "dev"])
    assert len(gated) >= 150 and len(gated) > 2 * (len(cases) - len(gated))
    categories = {c.category for c in cases}
    assert categories == set(CATEGORIES)  # every category has cases
    assert all(sum(c.category == k for c in cases) >= 10 for k in categories)
    assert not {c.id for c in gated} & {c.id for c in cases[len(gated) :]}
    channels = {c.channel for c in cases}
    assert channels == {"web", "whatsapp", "messenger", "instagram", "sms"}


def test_held_out_cases_load_apart_from_the_development_set() -> None:
    """The held-out folder loads, is not run by default and shares no case or utterance."""
    dev = load_cases([PROJECT_ROOT / "evals" / "cases", PROJECT_ROOT / "evals" / "dev"])
    held_out = load_cases([PROJECT_ROOT / "evals" / "heldout"])
    assert len(held_out) >= 50
    assert {"refinement", "corrections"} <= {c.category for c in held_out}
    assert not {c.id for c in dev} & {c.id for c in held_out}
    said = {t.say.lower() for c in dev for t in c.turns if t.say}
    shared = [t.say for c in held_out for t in c.turns if t.say and t.say.lower() in said]
    assert all(len(text.split()) <= 2 for text in shared)  # only a bare "sleeping pad" or so
    assert DEFAULT_CASES == PROJECT_ROOT / "evals" / "cases"


def test_a_bad_case_names_its_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x-1\ncategory: search\nturns: [{say: hi, expect: {handof: true}}]\n")
    with pytest.raises(ConfigurationError, match=r"bad\.yaml: case x-1"):
        load_cases([bad])
