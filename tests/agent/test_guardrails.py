"""Grounding: replies may only state prices, links, products and stock the tools returned."""

from __future__ import annotations

from assistant.agent.guardrails import CatalogNames, Facts, ground, repair

RESULTS = [
    {
        "products": [
            {
                "product_id": "ridgeline-3l-rain-jacket-mens",
                "title": "Ridgeline 3L Rain Jacket - Men's",
                "price": "189.00",
                "url": "https://cairnandcompass.example/products/ridgeline-3l-rain-jacket-mens",
            }
        ]
    },
    {
        "entries": [
            {"question": "Do you offer free shipping?", "answer": "Free over $75, else $6.95."}
        ]
    },
]
NAMES = CatalogNames(
    ["Ridgeline 3L Rain Jacket - Men's", "Couloir Pro Shell - Men's"],
    ["ridgeline-3l-rain-jacket-mens", "couloir-pro-shell-mens"],
)


def check(reply: str) -> list[str]:
    return ground(reply, Facts.collect(RESULTS), NAMES).problems


def test_a_reply_built_from_tool_results_passes() -> None:
    reply = (
        "The Ridgeline 3L Rain Jacket - Men's is $189.00 and in stock: "
        "https://cairnandcompass.example/products/ridgeline-3l-rain-jacket-mens. "
        "Shipping is free over $75."
    )
    assert check(reply) == []


def test_invented_price_is_caught() -> None:
    assert check("The Ridgeline 3L Rain Jacket - Men's is $149.00.") == [
        "price not from a tool: $149.00"
    ]


def test_price_formats_are_normalised() -> None:
    assert check("It's $189 and shipping is $6.95.") == []
    assert check("It costs $1,189.00") == ["price not from a tool: $1,189.00"]


def test_invented_product_and_id_are_caught() -> None:
    problems = check("You might like the Couloir Pro Shell - Men's (couloir-pro-shell-mens).")
    assert "product not from a tool: Couloir Pro Shell - Men's" in problems
    assert "id not from a tool: couloir-pro-shell-mens" in problems


def test_invented_or_phishing_link_is_caught() -> None:
    assert check("Buy it here: https://cairnandcompass.example/cart/123:1") == [
        "link not from a tool: https://cairnandcompass.example/cart/123:1"
    ]
    assert check("Log in at http://phish.example/login") == [
        "link not from a tool: http://phish.example/login"
    ]


def test_stock_claim_needs_product_data() -> None:
    faq_only = Facts.collect([RESULTS[1]])
    assert ground("Yes, it's in stock!", faq_only).problems == ["stock claim without product data"]
    assert ground("Yes, it's in stock!", Facts.collect(RESULTS)).ok


def test_repair_keeps_only_grounded_sentences() -> None:
    reply = (
        "The Ridgeline 3L Rain Jacket - Men's is $189.00. Today only it's $99! "
        "Shipping is free over $75."
    )
    assert repair(reply, Facts.collect(RESULTS), NAMES) == (
        "The Ridgeline 3L Rain Jacket - Men's is $189.00. Shipping is free over $75."
    )
