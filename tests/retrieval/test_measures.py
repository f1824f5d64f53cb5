"""Measures discovered from three catalogs nobody wrote for them: the demo brand, the tau-bench
retail catalog (converted here, at test time) and the Shopify API fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.retrieval.loaders import load_paths
from assistant.retrieval.measures import MeasureSchema
from assistant.retrieval.models import Product, Variant
from tests.conftest import DEMO_CATALOG, shared_data


@pytest.fixture(scope="module")
def demo() -> list[Product]:
    return load_paths([DEMO_CATALOG / "products"]).products


def tau_retail_products() -> list[Product]:
    """tau-bench's retail products as catalog products: one per product type, its items as
    variants with their options (the data stays in ../shared; it is read, never copied)."""
    raw = json.loads(shared_data("tau-bench-retail", "products.json").read_text())
    return [
        Product(
            id=p["product_id"],
            title=p["name"],
            category=p["name"],
            variants=[
                Variant(
                    id=v["item_id"],
                    options=v["options"],
                    price=v["price"],
                    available=v["available"],
                )
                for v in p["variants"].values()
            ],
        )
        for p in raw.values()
    ]


def _by_title(products: list[Product], title: str) -> Product:
    return next(p for p in products if p.title == title)


DEMO_DIMENSIONS = {
    "weight": "mass",
    "capacity": "volume",
    "temperature_rating": "temperature",
    "comfort_rating": "temperature",
    "lumens": "luminous_flux",
    "runtime": "duration",
    "keeps_hot": "duration",
    "waterproof_rating": "length",
    "peak_height": "length",
    "packed_weight": "mass",
    "floor_area": "area",
    "sleeps": "count",
    "r_value": "count",
    "fill": "count",
    "warmth": "rank",
}


@pytest.mark.parametrize(("name", "dimension"), sorted(DEMO_DIMENSIONS.items()))
def test_demo_catalog_dimensions(demo: list[Product], name: str, dimension: str) -> None:
    assert MeasureSchema.discover(demo).specs[name].dimension == dimension


@pytest.mark.parametrize("name", ["material", "care", "gender", "color", "setup", "shape"])
def test_demo_words_are_not_measures(demo: list[Product], name: str) -> None:
    assert name not in MeasureSchema.discover(demo).specs


@pytest.mark.parametrize(
    ("title", "name", "low", "high"),
    [
        ("Cairn 28 Daypack", "capacity", 28_000, 28_000),  # 28 L in ml
        ("Cairn 28 Daypack", "weight", 980, 980),
        ("Compass Backpacking Pack - Men's", "capacity", 55_000, 65_000),  # "55 L or 65 L"
        ("Compass Backpacking Pack - Men's", "weight", 2100, 2300),  # "2.1 kg (55 L) / 2.3 kg"
    ],
)
def test_demo_product_values(
    demo: list[Product], title: str, name: str, low: float, high: float
) -> None:
    measure = MeasureSchema.discover(demo).measures(_by_title(demo, title))[name]
    assert (measure.low, measure.high) == pytest.approx((low, high))


def test_demo_temperatures_in_celsius_whichever_unit_leads(demo: list[Product]) -> None:
    schema = MeasureSchema.discover(demo)
    rated = [schema.measures(p).get("temperature_rating") for p in demo]
    values = [m for m in rated if m is not None]
    assert len(values) >= 5
    for measure in values:  # "-20°F / -29°C": both ends agree within a rounding
        assert measure.high - measure.low < 1.0


@pytest.mark.shared_data
def test_tau_retail_catalog() -> None:
    products = tau_retail_products()
    schema = MeasureSchema.discover(products)
    expected = {
        ("Laptop", "ram"): ("data", 8, 32),
        ("Laptop", "screen_size"): ("length", 13 * 25.4, 17 * 25.4),
        ("Water Bottle", "capacity"): ("volume", 500, 1000),
        ("Tea Kettle", "capacity"): ("volume", 1000, 2000),  # "1 liter", "2 liters"
        ("Bluetooth Speaker", "battery_life"): ("duration", 10, 20),
        ("Garden Hose", "length"): ("length", 25 * 304.8, 100 * 304.8),
        ("Espresso Machine", "pressure"): ("pressure", 9, 19),
        ("Jigsaw Puzzle", "pieces"): ("count", 500, 2000),
        ("Luggage Set", "piece_count"): ("count", 2, 4),  # "2-piece"
        ("Dumbbell Set", "weight_range"): ("mass", 5 * 453.59237, 75 * 453.59237),
        ("Backpack", "size"): ("rank", 1, 3),  # small < medium < large
        ("T-Shirt", "size"): ("rank", 2, 6),  # S..XXL
        ("Patio Umbrella", "size"): ("length", 6 * 304.8, 7 * 304.8),  # "6 ft": per category
        ("Cycling Helmet", "ventilation"): ("rank", 0, 2),
    }
    for (title, name), (dimension, low, high) in expected.items():
        measure = schema.measures(_by_title(products, title))[name]
        assert (measure.dimension, measure.low, measure.high) == (
            dimension,
            pytest.approx(low),
            pytest.approx(high),
        ), (title, name)


@pytest.mark.shared_data
def test_tau_retail_variants_carry_their_own_values() -> None:
    products = tau_retail_products()
    schema = MeasureSchema.discover(products)
    bottle = _by_title(products, "Water Bottle")
    sizes = {
        v.options["capacity"]: schema.variant_measures(bottle, v)["capacity"].value
        for v in bottle.variants
    }
    assert sizes["500ml"] < sizes["750ml"] < sizes["1000ml"]


@pytest.mark.shared_data
def test_shopify_fixtures_weight_from_variants() -> None:
    folder = shared_data("shopify-api-fixtures")
    products = load_paths([folder / "products.json", folder / "product.json"]).products
    assert products
    schema = MeasureSchema.discover(products)
    assert schema.specs["weight"].dimension == "mass"
    assert all(schema.measures(p)["weight"].value == pytest.approx(200) for p in products)


def test_schema_file_corrects_and_adds(demo: list[Product], tmp_path: Path) -> None:
    path = tmp_path / "schema.yaml"
    path.write_text("measures:\n  fill: none\n  lug_depth: length\n  drop: none\n")
    schema = MeasureSchema.load(demo, path)
    assert "fill" not in schema.specs and "drop" not in schema.specs
    assert schema.specs["lug_depth"].dimension == "length"
    assert schema.specs["weight"].dimension == "mass"  # the rest still discovered


def test_schema_file_rejects_an_unknown_dimension(demo: list[Product], tmp_path: Path) -> None:
    path = tmp_path / "schema.yaml"
    path.write_text("measures:\n  fill: loudness\n")
    with pytest.raises(ValueError, match="unknown dimension 'loudness'"):
        MeasureSchema.load(demo, path)
