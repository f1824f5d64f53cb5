"""The demo storefront at `/`, the embeddable chat widget at `/widget.js`, and featured products."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel

from assistant.api.page_headers import ASSET_HEADERS, PAGE_HEADERS
from assistant.conversation import Concierge
from assistant.retrieval.models import Product

STATIC = Path(__file__).resolve().parent / "static"

# Public file name -> media type. An explicit list, so no path is ever read from the request.
FILES = {
    "widget.js": "text/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
    "storefront.css": "text/css; charset=utf-8",
    "storefront.js": "text/javascript; charset=utf-8",
}

router = APIRouter(tags=["storefront"])


class FeaturedProduct(BaseModel):
    """A product tile on the demo storefront."""

    product_id: str
    title: str
    category: str
    price: Decimal
    compare_at_price: Decimal | None
    in_stock: bool
    url: str | None
    image: str | None


def _static(name: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type=FILES[name], headers=ASSET_HEADERS)


@router.get("/", include_in_schema=False)
def storefront() -> FileResponse:
    """The demo shop page, with the chat widget on it, under a strict CSP."""
    return FileResponse(
        STATIC / "storefront.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS
    )


@router.get("/widget.js", include_in_schema=False)
def widget_js() -> FileResponse:
    """The widget: one `<script src=".../widget.js" defer>` tag adds the chat to any page."""
    return _static("widget.js")


@router.get("/widget.css", include_in_schema=False)
def widget_css() -> FileResponse:
    """The widget's styles, loaded by widget.js inside its shadow root."""
    return _static("widget.css")


@router.get("/storefront.css", include_in_schema=False)
def storefront_css() -> FileResponse:
    """The demo shop page's styles."""
    return _static("storefront.css")


@router.get("/storefront.js", include_in_schema=False)
def storefront_js() -> FileResponse:
    """The demo shop page's script: the featured grid."""
    return _static("storefront.js")


@router.get("/api/featured")
def featured(
    request: Request, limit: Annotated[int, Query(ge=1, le=48)] = 12
) -> list[FeaturedProduct]:
    """A few in-stock products, one per category first, for the demo storefront's grid."""
    concierge: Concierge = request.app.state.concierge
    return [_tile(p) for p in pick_featured(concierge.catalog.products.products, limit)]


def pick_featured(products: list[Product], limit: int) -> list[Product]:
    """In-stock products in catalog order, one per category, then more to fill up to `limit`."""
    first: dict[str, Product] = {}
    for product in products:
        if product.in_stock:
            first.setdefault(product.category, product)
    chosen = {p.id for p in first.values()}
    rest = [p for p in products if p.in_stock and p.id not in chosen]
    return [*first.values(), *rest][:limit]


def _tile(product: Product) -> FeaturedProduct:
    stocked = [v for v in product.variants if v.in_stock]
    cheapest = min(stocked, key=lambda v: v.price)
    compare = cheapest.compare_at_price
    return FeaturedProduct(
        product_id=product.id,
        title=product.title,
        category=product.category,
        price=cheapest.price,
        compare_at_price=compare if compare and compare > cheapest.price else None,
        in_stock=True,
        url=product.url,
        image=product.images[0] if product.images else None,
    )
