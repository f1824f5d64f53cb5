"""Checkout links: the one place a cart URL is made, from validated variant ids and quantities.

Every problem is a `CheckoutError` whose message, written for the model, names what is wrong
and what is valid; input is echoed back clipped, never unbounded.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from decimal import Decimal
from typing import ClassVar, NamedTuple
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from pydantic import BaseModel, Field, computed_field, field_validator

from assistant.config import CheckoutSettings
from assistant.errors import AssistantError, ConfigurationError
from assistant.retrieval.models import Product, Variant

_ECHO_LIMIT = 40
_LISTED = 20  # variants named in one message, at most
_CODE = re.compile(r"[A-Za-z0-9_-]{1,40}")
_SHOPIFY_ID = re.compile(r"[0-9]{1,20}")
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?")
_PERMALINK = re.compile(r"/cart/([0-9]{1,20}:[0-9]{1,6}(?:,[0-9]{1,20}:[0-9]{1,6})*)")
_TEMPLATE_FIELDS = ("discount", "items", "ref", "shop")


class CheckoutError(AssistantError):
    """A cart that cannot be linked to; the message says what to change (written for the
    model). `problem` names the reply template the shopper sees instead (`checkout_<problem>`
    in the brand's replies)."""

    problem: ClassVar[str] = "cart"


class CartSizeError(CheckoutError):
    """No items, or more distinct variants than one link may hold (`max_lines`)."""

    problem: ClassVar[str] = "cart_size"


class UnknownVariantError(CheckoutError):
    """The variant id is not in the catalog."""

    problem: ClassVar[str] = "unknown_item"


class ProductIdError(UnknownVariantError):
    """A product id was given where a variant id belongs."""


class SoldOutError(CheckoutError):
    """The variant exists but cannot be bought now."""

    problem: ClassVar[str] = "sold_out"


class QuantityError(CheckoutError):
    """The quantity is outside 1..`max_quantity`."""

    problem: ClassVar[str] = "quantity"


class StockLimitError(QuantityError):
    """More units asked for than the variant has in stock."""

    problem: ClassVar[str] = "stock_limit"


class DiscountCodeError(CheckoutError):
    """The discount code is malformed, not one the brand allows, or cannot go in the link."""

    problem: ClassVar[str] = "discount_code"


class DiscountAtCheckoutError(DiscountCodeError):
    """A valid code this shop's links cannot carry: the shopper enters it at checkout."""

    problem: ClassVar[str] = "discount_at_checkout"


class UnsupportedVariantError(CheckoutError):
    """The catalog's variant id cannot go in a Shopify cart permalink."""

    problem: ClassVar[str] = "unsupported_item"


class CartUrlError(CheckoutError, ValueError):
    """The URL is not a Shopify cart permalink."""


class CartLine(BaseModel):
    """One requested item: a variant id and how many."""

    variant_id: str = Field(description="a variant_id from get_product or search results")
    quantity: int = Field(default=1, description="units of this variant")

    @field_validator("variant_id", mode="before")
    @classmethod
    def _id_as_str(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value.strip() if isinstance(value, str) else value


class CheckoutLine(BaseModel):
    """A validated line of a checkout link, with the catalog facts a reply may quote."""

    variant_id: str
    product_id: str
    title: str
    variant_title: str
    options: dict[str, str]
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    currency: str


class CheckoutLink(BaseModel):
    """A cart link built from validated lines; `summary` describes it in one line."""

    url: str
    lines: list[CheckoutLine]
    subtotal: Decimal
    currency: str
    discount_code: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> str:
        units = sum(line.quantity for line in self.lines)
        items = ", ".join(
            f"{line.quantity} x {line.title}"
            + (f" ({line.variant_title})" if line.variant_title != "Default" else "")
            for line in self.lines
        )
        code = f" Code {self.discount_code} is applied at checkout." if self.discount_code else ""
        plural = "s" if units != 1 else ""
        return f"{units} item{plural}, subtotal {self.subtotal:.2f} {self.currency}: {items}.{code}"


class ParsedCart(NamedTuple):
    """What a Shopify cart permalink holds."""

    lines: list[CartLine]
    discount: str | None
    ref: str | None


class VariantIndex:
    """variant_id -> (product, variant) over a catalog; the first of a repeated id wins."""

    def __init__(self, products: Iterable[Product]) -> None:
        self._variants: dict[str, tuple[Product, Variant]] = {}
        self._products: dict[str, Product] = {}
        for product in products:
            self._products.setdefault(product.id, product)
            for variant in product.variants:
                self._variants.setdefault(variant.id, (product, variant))

    def get(self, variant_id: str) -> tuple[Product, Variant] | None:
        return self._variants.get(variant_id)

    def product(self, product_id: str) -> Product | None:
        return self._products.get(product_id)


class CheckoutBuilder:
    """Builds checkout links for one shop; the settings are checked once, here."""

    def __init__(self, products: list[Product], settings: CheckoutSettings, shop_domain: str):
        self.index = VariantIndex(products)
        self._settings = settings
        self._shop = shop_domain.strip()
        if not _HOST.fullmatch(self._shop):
            raise ConfigurationError(
                "ASSISTANT_CATALOG__SHOP_DOMAIN must be a bare host name such as "
                f"shop.example.com, without scheme or path; got {_clip(shop_domain)}"
            )
        if bad := [code for code in settings.discount_codes if not _CODE.fullmatch(code)]:
            raise ConfigurationError(
                "ASSISTANT_CHECKOUT__DISCOUNT_CODES may hold only letters, digits, '-' and '_' "
                f"(at most 40 characters); invalid: {', '.join(_clip(c) for c in bad)}"
            )
        self._codes = {code.upper(): code for code in settings.discount_codes}
        self._carries_code = settings.platform == "shopify" or "{discount}" in settings.url_template
        if settings.platform == "template":
            _check_template(settings.url_template, self._shop)

    def build(self, lines: list[CartLine], discount_code: str | None = None) -> CheckoutLink:
        """A link for these lines (duplicates merged), or a CheckoutError saying what to fix."""
        resolved = [self._line(vid, quantities) for vid, quantities in self._merge(lines).items()]
        code = self._discount(discount_code)
        currencies = sorted({line.currency for line in resolved})
        if len(currencies) > 1:
            raise CheckoutError(f"items are priced in {' and '.join(currencies)}; split the cart")
        return CheckoutLink(
            url=self._url(resolved, code),
            lines=resolved,
            subtotal=sum((line.line_total for line in resolved), Decimal(0)),
            currency=currencies[0],
            discount_code=code,
        )

    def _merge(self, lines: list[CartLine]) -> dict[str, list[int]]:
        merged: dict[str, list[int]] = {}
        for line in lines:
            merged.setdefault(line.variant_id, []).append(line.quantity)
        if not merged:
            raise CartSizeError("the cart is empty; give at least one {variant_id, quantity}")
        if len(merged) > (limit := self._settings.max_lines):
            raise CartSizeError(f"a link holds at most {limit} different items, not {len(merged)}")
        return merged

    def _line(self, variant_id: str, quantities: list[int]) -> CheckoutLine:
        found = self.index.get(variant_id)
        if found is None:
            raise self._unknown(variant_id)
        product, variant = found
        quantity = self._quantity(variant_id, quantities)
        if not variant.in_stock:
            others = _listing([v for v in product.variants if v.in_stock])
            raise SoldOutError(
                f"{_describe(product, variant)} is sold out; "
                + (f"in stock: {others}" if others else "no variant of it is in stock")
            )
        # An explicit `available` (Shopify's "continue selling") may sell past the count.
        if variant.available is None and variant.stock is not None and quantity > variant.stock:
            raise StockLimitError(
                f"only {variant.stock} left of {_describe(product, variant)}; "
                f"ask for {variant.stock} or fewer"
            )
        if self._settings.platform == "shopify" and not _SHOPIFY_ID.fullmatch(variant.id):
            raise UnsupportedVariantError(
                f"variant {_clip(variant.id)} is not a Shopify variant id (those are numeric), "
                "so this catalog cannot make Shopify cart links; tell the shopper checkout links "
                "are unavailable. The operator should set ASSISTANT_CHECKOUT__PLATFORM=template"
            )
        return CheckoutLine(
            variant_id=variant.id,
            product_id=product.id,
            title=product.title,
            variant_title=variant.title,
            options=dict(variant.options),
            quantity=quantity,
            unit_price=variant.price,
            line_total=variant.price * quantity,
            currency=product.currency,
        )

    def _quantity(self, variant_id: str, quantities: list[int]) -> int:
        """The total for one variant; each line and the sum must be in 1..max_quantity."""
        top, total = self._settings.max_quantity, sum(quantities)
        bad = [quantity for quantity in quantities if not 1 <= quantity <= top]
        if bad or total > top:
            got = _clip(bad[0]) if bad else f"{total} (its lines added up)"
            raise QuantityError(f"quantity must be 1-{top}; got {got} for variant {variant_id}")
        return total

    def _unknown(self, variant_id: str) -> UnknownVariantError:
        product = self.index.product(variant_id)
        if product is None:
            return UnknownVariantError(
                f"variant {_clip(variant_id)} does not exist; "
                "use a variant_id from get_product or search results"
            )
        return ProductIdError(
            f"{product.id} is a product id, not a variant id; {product.title} has variants "
            f"{_listing(product.variants, sold_out=True)}; use one of these variant_ids"
        )

    def _discount(self, code: str | None) -> str | None:
        """The configured spelling of the code, matched case-insensitively; None for no code."""
        if code is None or not code.strip():
            return None
        if not _CODE.fullmatch(code := code.strip()):  # not echoed: it may be anything
            raise DiscountCodeError(
                "that is not a valid discount code: codes are letters, digits, '-' and '_', "
                "at most 40 characters; I can't create discount codes"
            )
        if (canonical := self._codes.get(code.upper())) is None:
            raise DiscountCodeError(
                f"{code} is not a valid code; I can't create discount codes. "
                "Leave discount_code empty unless the shopper gives one of the brand's codes"
            )
        if not self._carries_code:
            raise DiscountAtCheckoutError(
                "this shop's links cannot carry a code; leave it out and tell the shopper "
                f"to enter {canonical} at checkout"
            )
        return canonical

    def _url(self, lines: list[CheckoutLine], code: str | None) -> str:
        ref = self._settings.ref
        if self._settings.platform == "shopify":
            items = ",".join(f"{line.variant_id}:{line.quantity}" for line in lines)
            params = {key: value for key, value in (("discount", code), ("ref", ref)) if value}
            query = urlencode(params, quote_via=quote)
            return f"https://{self._shop}/cart/{items}" + (f"?{query}" if query else "")
        items = ",".join(f"{quote(line.variant_id, safe='')}:{line.quantity}" for line in lines)
        return self._settings.url_template.format(
            shop=self._shop,
            items=items,
            discount=quote(code or "", safe=""),
            ref=quote(ref, safe=""),
        )


def parse_cart_url(url: str) -> ParsedCart:
    """Lines, discount code and ref of a Shopify cart permalink; CartUrlError for anything else."""
    parts = urlsplit(url)
    match = _PERMALINK.fullmatch(parts.path)
    if parts.scheme not in ("http", "https") or not parts.netloc or match is None:
        raise CartUrlError(f"not a Shopify cart permalink: {_clip(url)}")
    pairs = (item.split(":") for item in match.group(1).split(","))
    query = parse_qs(parts.query)
    return ParsedCart(
        [CartLine(variant_id=vid, quantity=int(qty)) for vid, qty in pairs],
        query.get("discount", [None])[0],
        query.get("ref", [None])[0],
    )


def _check_template(template: str, shop: str) -> None:
    setting = "ASSISTANT_CHECKOUT__URL_TEMPLATE"
    allowed = ", ".join(f"{{{name}}}" for name in _TEMPLATE_FIELDS)
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(template)]
    except ValueError as error:
        raise ConfigurationError(f"{setting} is not a valid template ({error})") from error
    for name, spec, conversion in fields:
        if name is not None and (name not in _TEMPLATE_FIELDS or spec or conversion):
            raise ConfigurationError(
                f"{setting} has an unknown placeholder {{{_clip(name)}}}; allowed: {allowed}"
            )
    if "items" not in {name for name, _, _ in fields}:
        raise ConfigurationError(f"{setting} must contain {{items}}; allowed: {allowed}")
    sample = urlsplit(template.format(shop=shop, items="1:1", discount="CODE", ref="ref"))
    if sample.scheme not in ("http", "https") or not sample.netloc:
        raise ConfigurationError(f"{setting} must produce an http(s) URL, e.g. https://{{shop}}/…")


def _describe(product: Product, variant: Variant) -> str:
    if len(product.variants) == 1:
        return f"{product.title} (variant {variant.id})"
    return f"the {variant.title} variant ({variant.id}) of {product.title}"


def _listing(variants: list[Variant], *, sold_out: bool = False) -> str:
    """Variants named for the model, `4010008 (Black / M)`, sold-out ones marked if asked."""
    names = [
        f"{v.id} ({v.title}{', sold out' if sold_out and not v.in_stock else ''})"
        for v in variants[:_LISTED]
    ]
    more = f" and {len(variants) - _LISTED} more" if len(variants) > _LISTED else ""
    return ", ".join(names) + more


def _clip(value: object) -> str:
    """Input echoed in a message: printable and at most ~40 characters."""
    if isinstance(value, int) and abs(value) >= 10**_ECHO_LIMIT:
        return "a huge number"
    text = "".join(c if c.isprintable() else "?" for c in str(value)[: _ECHO_LIMIT + 1])
    return text if len(text) <= _ECHO_LIMIT else text[: _ECHO_LIMIT - 1] + "…"
