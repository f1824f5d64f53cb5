from decimal import Decimal
from pathlib import Path

import pytest

from assistant.retrieval.loaders.file_load import UnreadableFileError
from assistant.retrieval.loaders.merchant import (
    attribute_name,
    load_merchant_tsv,
    load_merchant_xml,
    parse_feed_price,
)
from assistant.retrieval.loaders.report import CatalogLoad


def errors_by_line(load: CatalogLoad) -> dict[int | None, str]:
    return {error.line: error.reason for error in load.errors}


def test_tsv_items_sharing_a_group_become_one_product(fixtures: Path) -> None:
    load = load_merchant_tsv(fixtures / "merchant/feed.tsv")

    assert load.errors == []
    parka, headlamp = load.products
    assert (parka.id, parka.title, parka.category) == ("CC-SP", "Storm Parka", "Parkas")
    assert parka.brand == "Cairn & Compass"
    assert parka.url == "https://cairn.example/p/storm-parka?variant=1"
    assert parka.attributes == {
        "material": "recycled polyester",
        "gender": "female",
        "age_group": "adult",
    }
    assert [v.id for v in parka.variants] == ["CC-SP-BLU-M", "CC-SP-BLU-L", "CC-SP-RED-M"]
    assert [v.options for v in parka.variants] == [
        {"color": "Blue", "size": "M"},
        {"color": "Blue", "size": "L"},
        {"color": "Red", "size": "M"},
    ]
    on_sale = parka.variants[1]
    assert (on_sale.price, on_sale.compare_at_price) == (Decimal("199.00"), Decimal("249.00"))
    # in stock, out of stock, backorder (orderable now)
    assert [v.in_stock for v in parka.variants] == [True, False, True]
    assert parka.variants[0].sku == "SP-BLU-M"
    assert parka.images[:3] == [
        "https://cairn.example/img/parka-blue.jpg",
        "https://cairn.example/img/parka-back.jpg",
        "https://cairn.example/img/parka-hood.jpg",
    ]
    # No group: a single-variant product; HTML stripped; a numeric taxonomy id is no category.
    assert (headlamp.id, headlamp.category) == ("CC-HL-200", "Uncategorised")
    assert headlamp.description == "200 lumens, USB-C rechargeable."
    assert headlamp.variants[0].in_stock  # preorder


def test_broken_tsv_rows_are_skipped(fixtures: Path) -> None:
    load = load_merchant_tsv(fixtures / "merchant/feed_broken.tsv")

    assert errors_by_line(load) == {
        2: "price: missing (item CC-B-1)",
        3: "price: 'free' is not a price like '59.99 USD' (item CC-B-2)",
        4: "title: missing (item CC-B-3)",
        5: "wrong number of columns: row has 3, the header has 20",
    }
    (cup,) = load.products
    assert (cup.id, cup.category, cup.variants[0].options) == (
        "CC-B-5",
        "Cups",
        {"color": "Silver"},
    )


def test_rss_feed_prefers_google_fields_and_keeps_lines(fixtures: Path) -> None:
    load = load_merchant_xml(fixtures / "merchant/feed.xml")

    assert load.errors == []
    shoe, sock = load.products
    assert load.product_lines == [7, 45]
    assert (shoe.id, shoe.title, shoe.category) == (
        "CC-TR",
        "Switchback Trail Runner",
        "Trail Running Shoes",
    )
    assert shoe.currency == "EUR"
    assert shoe.description == "Grippy lugs & a rock plate."
    assert shoe.url == "https://cairn.example/p/switchback?size=42"
    assert shoe.images == [
        "https://cairn.example/img/switchback.jpg",
        "https://cairn.example/img/switchback-sole.jpg",
        "https://cairn.example/img/switchback-side.jpg",
    ]
    assert shoe.option_values("size") == ["42", "43"]
    assert shoe.option_values("size", in_stock_only=True) == ["42"]
    assert shoe.variants[1].price == Decimal("119.00")
    assert shoe.attributes == {"gender": "unisex"}
    assert (sock.category, sock.attributes) == ("Socks", {"material": "merino wool"})


def test_atom_feed_entries_load(fixtures: Path) -> None:
    load = load_merchant_xml(fixtures / "merchant/feed_atom.xml")

    (tent,) = load.products
    assert (tent.id, tent.title, tent.category, tent.currency) == (
        "CC-TENT-2",
        "Ridgeback 2 Tent",
        "Tents",
        "GBP",
    )
    assert tent.url == "https://cairn.example/p/ridgeback-2"
    assert tent.description == "Two-person freestanding tent, 1.6 kg."
    assert tent.variants[0].price == Decimal("329.00")


def test_truncated_xml_keeps_complete_items_and_reports_the_cut_item(fixtures: Path) -> None:
    load = load_merchant_xml(fixtures / "merchant/feed_truncated.xml")

    assert [p.id for p in load.products] == ["CC-CUP-1"]
    assert errors_by_line(load) == {
        10: "price: missing (item CC-CUP-2)",
        14: "broken XML: item cut short (no element found at line 18); rest of file not read",
    }


def test_xml_with_entity_declarations_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
        '<rss xmlns:g="http://base.google.com/ns/1.0"><channel><item>'
        "<g:id>1</g:id><g:title>&secret;</g:title><g:price>1 USD</g:price>"
        "</item></channel></rss>\n",
        encoding="utf-8",
    )

    with pytest.raises(
        UnreadableFileError, match="unsafe XML: DOCTYPE/ENTITY declarations are not allowed"
    ):
        load_merchant_xml(path)


def test_xml_that_is_not_a_feed_is_one_file_error(tmp_path: Path) -> None:
    path = tmp_path / "sitemap.xml"
    path.write_text("<urlset><url><loc>https://x.example</loc></url></urlset>", encoding="utf-8")

    with pytest.raises(UnreadableFileError, match="not a product feed: root element <urlset>"):
        load_merchant_xml(path)


def test_feed_prices_and_attribute_names() -> None:
    assert parse_feed_price("59.99 USD") == (Decimal("59.99"), "USD")
    assert parse_feed_price("EUR 12") == (Decimal("12"), "EUR")
    assert parse_feed_price("7.50") == (Decimal("7.50"), None)
    assert attribute_name(" g:Item Group ID ") == "item_group_id"
