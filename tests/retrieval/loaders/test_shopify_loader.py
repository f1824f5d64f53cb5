from decimal import Decimal
from pathlib import Path

import pytest

from assistant.retrieval.loaders.report import CatalogLoad
from assistant.retrieval.loaders.shopify import load_shopify_json, product_url


def errors_by_line(load: CatalogLoad) -> dict[int | None, str]:
    return {error.line: error.reason for error in load.errors}


@pytest.mark.shared_data
def test_admin_api_product_maps_variants_stock_and_description(shared_data: Path) -> None:
    load = load_shopify_json(
        shared_data / "shopify-api-fixtures/product.json", shop_domain="ipod.myshopify.com"
    )

    assert load.errors == []
    (product,) = load.products
    assert product.id == "632910392"
    assert product.title == "IPod Nano - 8GB"
    assert product.category == "Cult Products"
    assert product.brand == "Apple"
    assert product.tags == ["Emotive", "Flash Memory", "MP3", "Music"]
    assert product.description.startswith("It's the small iPod with one very big idea: Video.")
    assert "<p>" not in product.description
    assert product.images == [
        "http://static.shopify.com/s/files/1/6909/3384/products/ipod-nano.png?0"
    ]
    assert product.url == "https://ipod.myshopify.com/products/ipod-nano"
    assert [v.title for v in product.variants] == ["Pink", "Red", "Green", "Black"]
    # The only option is Shopify's "Title" placeholder, so no option keys.
    assert all(v.options == {} for v in product.variants)
    pink = product.variants[0]
    assert (pink.id, pink.sku, pink.price) == ("808950810", "IPOD2008PINK", Decimal("199.00"))
    # inventory_policy "continue": sold even past zero, so available, stock still reported.
    assert (pink.stock, pink.available, pink.in_stock) == (10, True, True)


@pytest.mark.shared_data
def test_admin_api_bare_list_loads_every_product(shared_data: Path) -> None:
    load = load_shopify_json(shared_data / "shopify-api-fixtures/products.json")

    assert [p.id for p in load.products] == ["1", "2", "3", "4"]
    assert load.product_lines == [2, 53, 104, 155]
    assert all(p.url is None for p in load.products)  # no shop domain given


def test_storefront_export_maps_options_availability_and_images(fixtures: Path) -> None:
    load = load_shopify_json(
        fixtures / "shopify/storefront_products.json", shop_domain="https://cairn.example/"
    )

    assert load.errors == []
    jacket, mug = load.products
    assert jacket.title == "Ridgeline Rain Jacket"
    assert jacket.category == "Rain Jackets"
    assert jacket.brand == "Cairn & Compass"
    assert jacket.tags == ["hiking", "rain", "waterproof"]
    assert (
        jacket.description
        == "A three-layer shell for wet hikes.\n- Pit zips\n- Helmet-compatible hood"
    )
    assert jacket.url == "https://cairn.example/products/ridgeline-rain-jacket"
    assert [v.options for v in jacket.variants] == [
        {"size": "S", "color": "Moss"},
        {"size": "M", "color": "Moss"},
        {"size": "M", "color": "Slate"},
    ]
    assert [v.in_stock for v in jacket.variants] == [True, False, True]
    assert jacket.variants[0].compare_at_price == Decimal("219.00")
    assert jacket.variants[2].compare_at_price is None
    assert jacket.variants[2].image is not None and jacket.variants[2].image.endswith(
        "ridgeline-slate.jpg?v=1714680190"
    )
    assert len(jacket.images) == 2
    assert jacket.option_values("size", in_stock_only=True) == ["S", "M"]
    assert mug.category == "Uncategorised"
    assert mug.description == "Enamel mug, 350 ml & dishwasher safe."  # &nbsp; -> space
    (mug_variant,) = mug.variants
    assert (mug_variant.title, mug_variant.options, mug_variant.sku) == ("Default", {}, None)
    assert mug_variant.price == Decimal("18.00")


def test_broken_admin_products_skip_only_the_bad_rows(fixtures: Path) -> None:
    path = fixtures / "shopify/admin_broken.json"
    load = load_shopify_json(path)

    assert errors_by_line(load) == {
        3: "price: Field required (product 101, variant 2)",
        23: "title: String should have at least 1 character (product 102)",
        49: "inventory_quantity: 'lots' is not a whole number (product 104, variant 1)",
        62: "not for sale: status is draft (product 105)",
        75: "price: Input should be greater than or equal to 0 (product 106, variant 1)",
    }
    gloves, scarf = load.products
    assert [v.id for v in gloves.variants] == ["1011", "1013"]
    # Managed, policy "deny", zero on hand: out of stock. Policy "continue": available.
    assert (gloves.variants[0].stock, gloves.variants[0].in_stock) == (0, False)
    assert (gloves.variants[1].stock, gloves.variants[1].in_stock) == (0, True)
    assert gloves.variants[0].image == "https://cdn.example/summit-gloves.jpg"
    # A description that is only markup (an image) loads as an empty description.
    assert (scarf.title, scarf.description) == ("Picture-only Description Scarf", "")


def test_product_url_accepts_bare_or_full_domains() -> None:
    assert product_url("shop.example", "mug") == "https://shop.example/products/mug"
    assert product_url("https://shop.example/", "mug") == "https://shop.example/products/mug"
    assert product_url(None, "mug") is None
