"""Each tool answers bad input with a clear message the model can act on, never a crash."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from assistant.agent.context import ShopContext
from assistant.agent.gifts import GiftNeeds
from assistant.agent.tools import (
    CartItem,
    ProductFilters,
    compare,
    create_checkout_link,
    get_product,
    handoff_to_human,
    order_status,
    recommend,
    search_faq,
    search_products,
)
from assistant.orders import JsonOrderSource, LookupLimiter, LookupLimits, OrderDesk
from assistant.retrieval.index import CatalogIndex
from assistant.retrieval.measure_columns import MeasureBound, SortBy
from assistant.store import Store
from tests.agent.conftest import shop_context, tool_runtime
from tests.conftest import shared_data


@pytest.fixture(scope="module")
def context(demo_index: CatalogIndex) -> ShopContext:
    return shop_context(demo_index)


def call(tool: Any, context: ShopContext, **args: Any) -> dict[str, Any]:
    """Run a tool's function with an injected runtime, as the agent's tool node does."""
    runtime = tool_runtime(context, "t")
    result: dict[str, Any] = tool.func(runtime=runtime, **args)
    return result


def _variant(context: ShopContext, *, in_stock: bool, stock_at_least: int = 0) -> str:
    for product in context.catalog.products.products:
        for variant in product.variants:
            if variant.in_stock == in_stock and (variant.stock or 0) >= stock_at_least:
                return variant.id
    raise AssertionError("demo catalog lacks such a variant")


def test_search_returns_cards_within_filters(context: ShopContext) -> None:
    result = call(
        search_products,
        context,
        query="rain jacket",
        filters=ProductFilters(price_max=Decimal(150)),
    )
    assert result["products"]
    assert all(float(card["price"]) <= 150 and card["in_stock"] for card in result["products"])
    assert "up to $150" in result["understood"]


def test_search_with_impossible_filters_is_empty_not_an_error(context: ShopContext) -> None:
    result = call(
        search_products, context, query="tent", filters=ProductFilters(price_max=Decimal(1))
    )
    assert result["products"] == [] and result["match"] == "weak"


def test_search_sorts_by_a_measure_and_says_each_value(context: ShopContext) -> None:
    result = call(
        search_products,
        context,
        query="backpacking tent",
        limit=3,
        sort=SortBy(by="weight", direction="asc"),
    )
    ids = [card["product_id"] for card in result["products"]]
    assert len(ids) == 3
    assert result["sorted_by"]["measure"] == "weight"
    assert set(result["sorted_by"]["values"]) == set(ids)
    catalog = context.catalog.products
    grams = [catalog.measures.schema.measures(catalog.get(i)).get("weight") for i in ids]  # type: ignore[arg-type]
    assert [g.low for g in grams if g] == sorted(g.low for g in grams if g)


def test_search_bounds_a_measure_in_the_shoppers_unit(context: ShopContext) -> None:
    bound = MeasureBound(measure="weight", max=3, unit="lb")
    result = call(search_products, context, query="tent", filters=ProductFilters(measures=[bound]))
    assert result["products"] and "weight at most 3 lb" in result["understood"]
    catalog = context.catalog.products
    for card in result["products"]:
        weight = catalog.measures.schema.measures(catalog.get(card["product_id"]))["weight"]  # type: ignore[arg-type]
        assert weight.low <= 3 * 453.6


def test_search_by_an_unknown_measure_names_the_known_ones(context: ShopContext) -> None:
    result = call(search_products, context, query="tent", sort=SortBy(by="horsepower"))
    assert "no measure 'horsepower'" in result["error"] and "weight" in result["error"]


@pytest.mark.parametrize(
    "product_id", ["no-such-product", "", "x" * 500, "'; DROP TABLE products; --"]
)
def test_unknown_product_ids_get_a_clear_message(context: ShopContext, product_id: str) -> None:
    result = call(get_product, context, product_id=product_id)
    assert "no product with id" in result["error"] and "search results" in result["error"]
    assert len(result["error"]) < 200


def test_product_details_include_variants_and_stock(context: ShopContext) -> None:
    result = call(get_product, context, product_id="wisp-2-ultralight-tent")
    assert result["title"] and result["variants"]
    assert {"variant_id", "options", "price", "in_stock"} <= set(result["variants"][0])


def test_checkout_refuses_unknown_variant(context: ShopContext) -> None:
    result = call(
        create_checkout_link, context, items=[CartItem(variant_id="999999999", quantity=1)]
    )
    assert "does not exist" in result["error"]


def test_checkout_refuses_sold_out_variant(context: ShopContext) -> None:
    sold_out = _variant(context, in_stock=False)
    result = call(create_checkout_link, context, items=[CartItem(variant_id=sold_out, quantity=1)])
    assert "sold out" in result["error"]


@pytest.mark.parametrize("quantity", [0, -1, 11, 10_000])
def test_checkout_refuses_bad_quantities(context: ShopContext, quantity: int) -> None:
    variant = _variant(context, in_stock=True, stock_at_least=5)
    result = call(
        create_checkout_link, context, items=[CartItem(variant_id=variant, quantity=quantity)]
    )
    assert "quantity must be 1-10" in result["error"]


def test_checkout_refuses_an_invented_discount_code(context: ShopContext) -> None:
    variant = _variant(context, in_stock=True)
    result = call(
        create_checkout_link, context, items=[CartItem(variant_id=variant)], discount_code="FREE100"
    )
    assert (
        "not a valid code" in result["error"] and "can't create discount codes" in result["error"]
    )


def test_checkout_builds_a_link_for_good_input(context: ShopContext) -> None:
    variant = _variant(context, in_stock=True, stock_at_least=2)
    result = call(create_checkout_link, context, items=[CartItem(variant_id=variant, quantity=2)])
    assert result["url"] == f"https://cairnandcompass.example/cart/{variant}:2?ref=concierge"


@pytest.mark.parametrize("order_id", ["", "hello", "#W12", "W" + "1" * 80, "../../etc/passwd"])
def test_malformed_order_ids_say_what_an_order_number_looks_like(
    context: ShopContext, order_id: str
) -> None:
    result = call(order_status, context, order_id=order_id, email_or_zip="a@example.com")
    assert "error" in result
    assert "#W1234567" in result["error"] or "order number" in result["error"].lower()


def test_wrong_email_for_a_real_order_reveals_nothing(context: ShopContext) -> None:
    wrong = call(
        order_status, context, order_id="#W1000001", email_or_zip="daniel.reyes@example.com"
    )
    missing = call(
        order_status, context, order_id="#W9999999", email_or_zip="daniel.reyes@example.com"
    )
    assert wrong == missing  # same answer: order numbers can't be probed
    assert "couldn't find" in wrong["error"]


def test_order_status_after_proof(context: ShopContext) -> None:
    result = call(
        order_status, context, order_id="W1000001", email_or_zip=" Maya.Okafor@example.com "
    )
    assert result["status"] == "delivered"
    assert "email" not in result and "zip" not in result


def test_order_status_on_the_real_tau_bench_orders(context: ShopContext) -> None:
    folder = shared_data("tau-bench-retail")
    desk = OrderDesk(JsonOrderSource(folder / "orders.json", folder / "users.json"))
    real = ShopContext(
        catalog=context.catalog, checkout=context.checkout, orders=desk, prompts=context.prompts
    )
    good = call(order_status, real, order_id="#W2611340", email_or_zip="10083")
    assert good["id"] == "#W2611340" and len(good["items"]) == 2
    bad = call(order_status, real, order_id="#W2611340", email_or_zip="90210")
    assert "couldn't find" in bad["error"]


def test_compare_validates_its_ids(context: ShopContext) -> None:
    assert "2 to 4" in call(compare, context, product_ids=["wisp-2-ultralight-tent"])["error"]
    unknown = call(compare, context, product_ids=["wisp-2-ultralight-tent", "nope"])
    assert "unknown product ids: nope" in unknown["error"]
    good = call(
        compare, context, product_ids=["wisp-2-ultralight-tent", "juniper-2-backpacking-tent"]
    )
    assert len(good["products"]) == 2 and "weight" in good["attributes"]


def test_recommend_asks_for_missing_facts_then_picks(context: ShopContext) -> None:
    ask = call(recommend, context, needs=GiftNeeds())
    assert ask["status"] == "need_more" and 1 <= len(ask["ask"]) <= 2
    picks = call(
        recommend,
        context,
        needs=GiftNeeds(recipient="my sister", budget_max=Decimal(60), interests=["camping"]),
    )
    assert picks["status"] == "ok" and 2 <= len(picks["items"]) <= 3
    assert all(float(i["price"]) <= 60 and i["reason"] for i in picks["items"])


def test_faq_search_reports_weak_matches(context: ShopContext) -> None:
    strong = call(search_faq, context, question="how long do I have to return something?")
    assert strong["match"] == "strong" and strong["entries"]
    weak = call(search_faq, context, question="zxqv plorf")
    assert weak["match"] == "weak"


def test_handoff_tool_records_the_reason(context: ShopContext, tmp_path: Path) -> None:
    fresh = ShopContext(
        catalog=context.catalog, checkout=context.checkout, orders=None, prompts=context.prompts
    )
    result = call(handoff_to_human, fresh, reason="refund dispute")
    assert result["status"] == "queued" and result["message"]
    assert fresh.handoff_reasons == ["refund dispute"]
    assert (
        "not available"
        in call(order_status, fresh, order_id="#W1000001", email_or_zip="x")["error"]
    )


def test_order_misses_offer_a_person_once_then_lock_without_handoffs(
    context: ShopContext, tmp_path: Path
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'assistant.db'}")
    store.create_schema()
    assert context.orders is not None
    limits = LookupLimits(per_order=5, per_client=2)
    desk = OrderDesk(context.orders.source, LookupLimiter(store, b"k" * 32, limits))

    def turn() -> ShopContext:
        return ShopContext(
            catalog=context.catalog, checkout=context.checkout, orders=desk,
            prompts=context.prompts, requester="address:203.0.113.5",
        )  # fmt: skip

    first, second, third = turn(), turn(), turn()
    miss = call(order_status, first, order_id="#W1000001", email_or_zip="00000")
    assert miss["offer_person"] is True and not first.lookup_refused
    assert call(handoff_to_human, first, reason="shopper accepted")["status"] == "queued"
    again = call(order_status, second, order_id="#W1000002", email_or_zip="00000")
    assert again == {"error": miss["error"], "offer_person": False}
    refused = call(handoff_to_human, second, reason="could not verify the order")
    assert refused["status"] == "not_queued" and second.handoff_reasons == []
    locked = call(order_status, third, order_id="#W1000001", email_or_zip="97202")  # right
    assert locked["locked"] is True and "Ridgeline" not in str(locked)
    assert call(order_status, third, order_id="#W9999999", email_or_zip="97202") == locked
    assert call(handoff_to_human, third, reason="locked out")["status"] == "not_queued"
    store.close()
