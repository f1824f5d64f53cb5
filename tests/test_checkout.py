"""Checkout links on the demo catalog: real ids in, valid cart links or actionable messages out."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from assistant.checkout import (
    CartLine,
    CartSizeError,
    CartUrlError,
    CheckoutBuilder,
    CheckoutError,
    DiscountCodeError,
    ProductIdError,
    QuantityError,
    SoldOutError,
    StockLimitError,
    UnknownVariantError,
    UnsupportedVariantError,
    VariantIndex,
    parse_cart_url,
)
from assistant.config import CheckoutSettings
from assistant.errors import AssistantError, ConfigurationError
from assistant.retrieval.loaders import load_paths
from assistant.retrieval.models import Product, Variant

PRODUCTS_DIR = Path(__file__).resolve().parent.parent / "catalog" / "products"
SHOP = "cairnandcompass.example"


@pytest.fixture(scope="module")
def products() -> list[Product]:
    return load_paths([PRODUCTS_DIR]).products


@pytest.fixture(scope="module")
def builder(products: list[Product]) -> CheckoutBuilder:
    return CheckoutBuilder(products, CheckoutSettings(), SHOP)


def _variants(products: list[Product]) -> list[tuple[Product, Variant]]:
    return [(product, variant) for product in products for variant in product.variants]


@pytest.fixture(scope="module")
def in_stock(products: list[Product]) -> list[tuple[Product, Variant]]:
    """Variants with at least 10 units, so any allowed quantity is buyable."""
    return [(p, v) for p, v in _variants(products) if v.stock is not None and v.stock >= 10]


@pytest.fixture(scope="module")
def sold_out(products: list[Product]) -> tuple[Product, Variant]:
    """A sold-out variant whose product still has other variants in stock."""
    return next(
        (p, v)
        for p, v in _variants(products)
        if not v.in_stock and sum(o.in_stock for o in p.variants) >= 2
    )


@pytest.fixture(scope="module")
def low_stock(products: list[Product]) -> tuple[Product, Variant]:
    """A variant with a few tracked units left (fewer than max_quantity)."""
    return next((p, v) for p, v in _variants(products) if v.stock is not None and 1 < v.stock < 5)


def _raises(
    builder: CheckoutBuilder, error: type[CheckoutError], *lines: CartLine, code: str | None = None
) -> str:
    with pytest.raises(error) as caught:
        builder.build(list(lines), code)
    return str(caught.value)


# --- valid links ---------------------------------------------------------------------------


def test_single_line_is_the_exact_shopify_permalink(builder: CheckoutBuilder) -> None:
    link = builder.build([CartLine(variant_id="4070001", quantity=2)])  # Cairn 28 Daypack, Slate
    assert link.url == f"https://{SHOP}/cart/4070001:2?ref=concierge"
    (line,) = link.lines
    assert (line.product_id, line.title, line.options) == (
        "cairn-28-daypack",
        "Cairn 28 Daypack",
        {"color": "Slate"},
    )
    assert (line.unit_price, line.line_total, link.subtotal) == (
        Decimal("119.00"),
        Decimal("238.00"),
        Decimal("238.00"),
    )
    assert link.currency == "USD"
    assert link.discount_code is None
    assert link.summary == "2 items, subtotal 238.00 USD: 2 x Cairn 28 Daypack (Slate)."


def test_multi_line_link_keeps_order_prices_and_subtotal(
    builder: CheckoutBuilder, in_stock: list[tuple[Product, Variant]]
) -> None:
    picks = [in_stock[0], in_stock[40], in_stock[200]]
    lines = [CartLine(variant_id=v.id, quantity=n) for n, (_, v) in enumerate(picks, start=1)]
    link = builder.build(lines)
    items = ",".join(f"{v.id}:{n}" for n, (_, v) in enumerate(picks, start=1))
    assert link.url == f"https://{SHOP}/cart/{items}?ref=concierge"
    assert [line.product_id for line in link.lines] == [p.id for p, _ in picks]
    assert link.subtotal == sum(v.price * n for n, (_, v) in enumerate(picks, start=1))
    assert link.summary.startswith("6 items, subtotal ")
    assert all(p.title in link.summary for p, _ in picks)


def test_integer_variant_ids_and_padding_are_accepted() -> None:
    assert CartLine(variant_id=4070001, quantity=1).variant_id == "4070001"  # type: ignore[arg-type]
    assert CartLine(variant_id="  4070001 ").variant_id == "4070001"
    assert CartLine(variant_id="4070001").quantity == 1


def test_duplicate_lines_are_merged_into_one(builder: CheckoutBuilder) -> None:
    link = builder.build(
        [
            CartLine(variant_id="4070001", quantity=2),
            CartLine(variant_id="4070002", quantity=1),
            CartLine(variant_id="4070001", quantity=3),
        ]
    )
    assert link.url == f"https://{SHOP}/cart/4070001:5,4070002:1?ref=concierge"
    assert [(line.variant_id, line.quantity) for line in link.lines] == [
        ("4070001", 5),
        ("4070002", 1),
    ]


def test_merged_quantity_is_checked_against_the_limit(builder: CheckoutBuilder) -> None:
    message = _raises(
        builder,
        QuantityError,
        CartLine(variant_id="4070001", quantity=6),
        CartLine(variant_id="4070001", quantity=5),
    )
    assert "quantity must be 1-10" in message
    assert "11 (its lines added up)" in message


@pytest.mark.parametrize("typed", ["welcome10", "Welcome10", " WELCOME10 "])
def test_discount_code_is_matched_case_insensitively_and_output_canonical(
    builder: CheckoutBuilder, typed: str
) -> None:
    link = builder.build([CartLine(variant_id="4070001", quantity=1)], typed)
    assert link.discount_code == "WELCOME10"
    assert link.url == f"https://{SHOP}/cart/4070001:1?discount=WELCOME10&ref=concierge"
    assert "Code WELCOME10 is applied at checkout." in link.summary


def test_blank_discount_code_means_no_code(builder: CheckoutBuilder) -> None:
    link = builder.build([CartLine(variant_id="4070001", quantity=1)], "  ")
    assert link.discount_code is None
    assert "discount=" not in link.url


def test_ref_is_url_encoded_and_omitted_when_empty(products: list[Product]) -> None:
    line = [CartLine(variant_id="4070001", quantity=1)]
    odd = CheckoutBuilder(products, CheckoutSettings(ref="sms & chat/2"), SHOP).build(line)
    assert odd.url == f"https://{SHOP}/cart/4070001:1?ref=sms%20%26%20chat%2F2"
    assert parse_cart_url(odd.url).ref == "sms & chat/2"
    bare = CheckoutBuilder(products, CheckoutSettings(ref=""), SHOP).build(line)
    assert bare.url == f"https://{SHOP}/cart/4070001:1"


def test_untracked_and_continue_selling_variants_are_not_capped_by_stock() -> None:
    product = Product(
        id="mug",
        title="Camp Mug",
        variants=[
            Variant(id="11", options={"color": "Red"}, price=Decimal(12)),  # untracked
            Variant(id="12", options={"color": "Blue"}, price=Decimal(12), stock=0, available=True),
            Variant(id="13", options={"color": "Tan"}, price=Decimal(12), stock=9, available=False),
        ],
    )
    builder = CheckoutBuilder([product], CheckoutSettings(), SHOP)
    link = builder.build(
        [CartLine(variant_id="11", quantity=10), CartLine(variant_id="12", quantity=4)]
    )
    assert link.url == f"https://{SHOP}/cart/11:10,12:4?ref=concierge"
    message = _raises(builder, SoldOutError, CartLine(variant_id="13"))
    assert "the Tan variant (13) of Camp Mug is sold out" in message
    assert "in stock: 11 (Red), 12 (Blue)" in message


# --- bad input: each a CheckoutError with a message the model can act on ----------------------


def test_unknown_variant_names_the_id_and_where_to_find_valid_ones(
    builder: CheckoutBuilder,
) -> None:
    message = _raises(builder, UnknownVariantError, CartLine(variant_id="123", quantity=1))
    assert message == (
        "variant 123 does not exist; use a variant_id from get_product or search results"
    )


def test_product_id_instead_of_variant_id_lists_its_variants(
    builder: CheckoutBuilder, products: list[Product]
) -> None:
    product = next(
        p for p in products if len(p.variants) > 2 and not all(v.in_stock for v in p.variants)
    )
    message = _raises(builder, ProductIdError, CartLine(variant_id=product.id, quantity=1))
    assert f"{product.id} is a product id, not a variant id" in message
    for variant in product.variants:
        assert f"{variant.id} ({variant.title}" in message
    gone = next(v for v in product.variants if not v.in_stock)
    assert f"{gone.id} ({gone.title}, sold out)" in message
    assert "use one of these variant_ids" in message


def test_sold_out_names_the_variant_and_the_in_stock_alternatives(
    builder: CheckoutBuilder, sold_out: tuple[Product, Variant]
) -> None:
    product, variant = sold_out
    message = _raises(builder, SoldOutError, CartLine(variant_id=variant.id, quantity=1))
    assert message.startswith(
        f"the {variant.title} variant ({variant.id}) of {product.title} is sold out; in stock: "
    )
    alternatives = message.split("in stock: ", 1)[1]
    for other in product.variants:
        assert (f"{other.id} ({other.title})" in alternatives) == other.in_stock


def test_sold_out_example_from_the_rain_jacket(builder: CheckoutBuilder) -> None:
    message = _raises(builder, SoldOutError, CartLine(variant_id="4010003", quantity=1))
    assert (
        "the Blue / M variant (4010003) of Ridgeline 3L Rain Jacket - Women's is sold out"
        in message
    )
    assert "4010008 (Black / M)" in message and "4010004 (Blue / L)" in message
    assert "Sage / S" not in message  # also sold out


@pytest.mark.parametrize("quantity", [0, -1, 11, 10_000, 10**60])
def test_quantity_outside_1_to_max_is_refused(builder: CheckoutBuilder, quantity: int) -> None:
    message = _raises(builder, QuantityError, CartLine(variant_id="4070001", quantity=quantity))
    assert message.startswith("quantity must be 1-10; got ")
    assert "variant 4070001" in message
    assert len(message) < 120


def test_max_quantity_comes_from_settings(products: list[Product]) -> None:
    builder = CheckoutBuilder(products, CheckoutSettings(max_quantity=3), SHOP)
    assert builder.build([CartLine(variant_id="4070001", quantity=3)]).lines[0].quantity == 3
    assert "quantity must be 1-3" in _raises(
        builder, QuantityError, CartLine(variant_id="4070001", quantity=4)
    )


def test_quantity_above_tracked_stock_says_how_many_are_left(
    builder: CheckoutBuilder, low_stock: tuple[Product, Variant]
) -> None:
    product, variant = low_stock
    assert variant.stock is not None
    message = _raises(
        builder, StockLimitError, CartLine(variant_id=variant.id, quantity=variant.stock + 1)
    )
    assert message == (
        f"only {variant.stock} left of the {variant.title} variant ({variant.id}) of "
        f"{product.title}; ask for {variant.stock} or fewer"
    )
    exact = builder.build([CartLine(variant_id=variant.id, quantity=variant.stock)])
    assert exact.lines[0].quantity == variant.stock


def test_empty_cart_is_refused(builder: CheckoutBuilder) -> None:
    assert "the cart is empty" in _raises(builder, CartSizeError)


def test_more_than_max_lines_is_refused(
    builder: CheckoutBuilder, in_stock: list[tuple[Product, Variant]]
) -> None:
    lines = [CartLine(variant_id=v.id, quantity=1) for _, v in in_stock[:21]]
    assert "at most 20 different items, not 21" in _raises(builder, CartSizeError, *lines)
    assert len(builder.build(lines[:20]).lines) == 20


def test_unknown_discount_code_is_refused_without_inventing_one(builder: CheckoutBuilder) -> None:
    message = _raises(builder, DiscountCodeError, CartLine(variant_id="4070001"), code="welcome50")
    assert message.startswith("welcome50 is not a valid code; I can't create discount codes")
    assert "WELCOME10" not in message and "TRAILREADY15" not in message  # codes are not leaked


@pytest.mark.parametrize(
    "malicious",
    [
        "X&ref=evil",
        "<script>alert(1)</script>",
        "A" * 41,
        "WELCOME10\x00",
        "WELCOME10 OR 1=1",
        "CODE?x=1#y",
        "Ω10",
    ],
)
def test_malformed_discount_code_is_refused_and_not_echoed(
    builder: CheckoutBuilder, malicious: str
) -> None:
    message = _raises(builder, DiscountCodeError, CartLine(variant_id="4070001"), code=malicious)
    assert "letters, digits, '-' and '_'" in message
    assert "I can't create discount codes" in message
    assert malicious.strip() not in message


def test_extremely_long_variant_id_is_clipped_in_the_message(builder: CheckoutBuilder) -> None:
    message = _raises(builder, UnknownVariantError, CartLine(variant_id="9" * 100_000, quantity=1))
    assert message.startswith("variant 999")
    assert "…" in message
    assert len(message) < 150


def test_control_characters_in_ids_are_not_echoed(builder: CheckoutBuilder) -> None:
    message = _raises(builder, UnknownVariantError, CartLine(variant_id="12\x1b[31m34"))
    assert "\x1b" not in message
    assert "12?[31m34" in message


def test_the_first_bad_line_is_reported_even_among_good_ones(
    builder: CheckoutBuilder, sold_out: tuple[Product, Variant]
) -> None:
    lines = [CartLine(variant_id="4070001"), CartLine(variant_id=sold_out[1].id)]
    assert "is sold out" in _raises(builder, SoldOutError, *lines)


def test_every_checkout_error_is_an_assistant_error() -> None:
    for error in (CartSizeError, ProductIdError, QuantityError, StockLimitError, CartUrlError):
        assert issubclass(error, CheckoutError) and issubclass(error, AssistantError)
    assert issubclass(CartUrlError, ValueError)


def test_non_numeric_variant_ids_cannot_make_shopify_links() -> None:
    product = Product(
        id="tee",
        title="Trail Tee",
        variants=[
            Variant(id="tee-blue-m", options={"color": "Blue", "size": "M"}, price=Decimal(30))
        ],
    )
    builder = CheckoutBuilder([product], CheckoutSettings(), SHOP)
    message = _raises(builder, UnsupportedVariantError, CartLine(variant_id="tee-blue-m"))
    assert "not a Shopify variant id" in message
    assert "ASSISTANT_CHECKOUT__PLATFORM=template" in message


# --- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize("shop", ["https://shop.example", "shop.example/cart", "", "shop example"])
def test_shop_domain_must_be_a_bare_host(products: list[Product], shop: str) -> None:
    with pytest.raises(ConfigurationError, match="ASSISTANT_CATALOG__SHOP_DOMAIN"):
        CheckoutBuilder(products, CheckoutSettings(), shop)


def test_configured_discount_codes_must_have_a_safe_shape(products: list[Product]) -> None:
    settings = CheckoutSettings(discount_codes=["WELCOME10", "BAD CODE&x"])
    with pytest.raises(ConfigurationError, match=r"ASSISTANT_CHECKOUT__DISCOUNT_CODES.*BAD CODE&x"):
        CheckoutBuilder(products, settings, SHOP)


# --- template platform ------------------------------------------------------------------------


def _template(products: list[Product], template: str) -> CheckoutBuilder:
    settings = CheckoutSettings(platform="template", url_template=template, ref="chat bot")
    return CheckoutBuilder(products, settings, SHOP)


def test_template_fills_every_placeholder_url_encoded(products: list[Product]) -> None:
    builder = _template(
        products, "https://{shop}/checkout?items={items}&code={discount}&utm_source={ref}"
    )
    link = builder.build(
        [CartLine(variant_id="4070001", quantity=2), CartLine(variant_id="4010008")], "trailready15"
    )
    assert link.url == (
        f"https://{SHOP}/checkout?items=4070001:2,4010008:1&code=TRAILREADY15&utm_source=chat%20bot"
    )
    assert parse_qs(urlsplit(link.url).query)["items"] == ["4070001:2,4010008:1"]


def test_template_encodes_unusual_variant_ids() -> None:
    product = Product(
        id="tee",
        title="Trail Tee",
        variants=[Variant(id="tee/blue:m,1 &x", options={"size": "M"}, price=Decimal(30))],
    )
    settings = CheckoutSettings(platform="template")
    link = CheckoutBuilder([product], settings, SHOP).build(
        [CartLine(variant_id="tee/blue:m,1 &x")]
    )
    assert link.url == f"https://{SHOP}/cart?items=tee%2Fblue%3Am%2C1%20%26x:1"
    assert parse_qs(urlsplit(link.url).query)["items"] == ["tee/blue:m,1 &x:1"]


def test_template_without_discount_placeholder_refuses_a_code(products: list[Product]) -> None:
    builder = _template(products, "https://{shop}/cart?items={items}")
    assert (
        builder.build([CartLine(variant_id="4070001")]).url
        == f"https://{SHOP}/cart?items=4070001:1"
    )
    message = _raises(builder, DiscountCodeError, CartLine(variant_id="4070001"), code="welcome10")
    assert "cannot carry a code" in message and "enter WELCOME10 at checkout" in message


@pytest.mark.parametrize(
    ("template", "phrase"),
    [
        ("https://{shop}/cart?items={items}&t={token}", "unknown placeholder {token}"),
        ("https://{shop}/cart?items={items}&x={shop.__class__}", "unknown placeholder"),
        ("https://{shop}/cart?items={items!r}", "unknown placeholder"),
        ("https://{shop}/cart?items={items:>20}", "unknown placeholder"),
        ("https://{shop}/cart?items={}", "unknown placeholder {}"),
        ("https://{shop}/cart?items={items", "not a valid template"),
        ("https://{shop}/cart", "must contain {items}"),
        ("ftp://{shop}/cart?items={items}", "must produce an http(s) URL"),
        ("javascript:alert({items})", "must produce an http(s) URL"),
        ("{shop}/cart?items={items}", "must produce an http(s) URL"),
    ],
)
def test_bad_template_is_a_configuration_error_naming_the_setting(
    products: list[Product], template: str, phrase: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _template(products, template)
    assert "ASSISTANT_CHECKOUT__URL_TEMPLATE" in str(caught.value)
    assert phrase in str(caught.value)


def test_bad_template_is_ignored_on_the_shopify_platform(products: list[Product]) -> None:
    settings = CheckoutSettings(platform="shopify", url_template="ftp://{nope}")
    link = CheckoutBuilder(products, settings, SHOP).build([CartLine(variant_id="4070001")])
    assert link.url.startswith(f"https://{SHOP}/cart/4070001:1")


# --- parsing permalinks -----------------------------------------------------------------------


def test_parse_round_trips_every_built_link(
    builder: CheckoutBuilder, in_stock: list[tuple[Product, Variant]]
) -> None:
    for start in range(0, 200, 20):
        lines = [
            CartLine(variant_id=v.id, quantity=1 + (n % 10))
            for n, (_, v) in enumerate(in_stock[start : start + 7])
        ]
        link = builder.build(lines, "TrailReady15")
        parsed = parse_cart_url(link.url)
        assert parsed.lines == lines
        assert parsed.discount == "TRAILREADY15"
        assert parsed.ref == "concierge"
        lines_out, discount, ref = parsed  # a plain 3-tuple too
        assert (lines_out, discount, ref) == (lines, "TRAILREADY15", "concierge")


def test_parse_without_query_has_no_discount_or_ref() -> None:
    parsed = parse_cart_url("https://shop.example/cart/1:2,3:4")
    assert parsed.lines == [
        CartLine(variant_id="1", quantity=2),
        CartLine(variant_id="3", quantity=4),
    ]
    assert (parsed.discount, parsed.ref) == (None, None)


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example/cart",
        "https://shop.example/cart/abc:1",
        "https://shop.example/cart/1:2,",
        "https://shop.example/products/1:2",
        "javascript:alert(1)//cart/1:2",
        "/cart/1:2",
        "https://shop.example/cart/" + "1" * 5000 + ":1",
    ],
)
def test_parse_rejects_anything_but_a_cart_permalink(url: str) -> None:
    with pytest.raises(CartUrlError, match="not a Shopify cart permalink") as caught:
        parse_cart_url(url)
    assert len(str(caught.value)) < 100


def test_variant_index_finds_variants_and_products(products: list[Product]) -> None:
    index = VariantIndex(products)
    found = index.get("4070001")
    assert found is not None
    assert (found[0].id, found[1].options) == ("cairn-28-daypack", {"color": "Slate"})
    assert index.get("cairn-28-daypack") is None
    daypack = index.product("cairn-28-daypack")
    assert daypack is not None and daypack.title == "Cairn 28 Daypack"
