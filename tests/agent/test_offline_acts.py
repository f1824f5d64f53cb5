"""Messages no keyword places are routed by their dialogue act, read with a confidence: a
product request in other words finds products, a product the shop does not sell is said to be
not carried, and a message read as unsure is never answered with confidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.retrieval.index import CatalogIndex
from tests.agent.test_offline_conversation import Shopper


@pytest.fixture
def shopper(demo_index: CatalogIndex, tmp_path: Path) -> Shopper:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    return Shopper(Concierge.from_settings(settings, demo_index))


@pytest.mark.parametrize(
    ("text", "any_of"),
    [
        (
            "need something to keep my coffee hot on the trail",
            {"tidepool-insulated-tumbler-16oz", "summit-vacuum-insulated-bottle"},
        ),
        (
            "need a thing for boiling water at camp",
            {"flashpoint-canister-stove", "rapidboil-1l-cook-system"},
        ),
    ],
)
def test_a_product_request_in_other_words_finds_products(
    shopper: Shopper, text: str, any_of: set[str]
) -> None:
    reply = shopper.says(text)
    assert any_of & {c.product_id for c in reply.products}
    assert "didn't quite follow" not in reply.text


@pytest.mark.parametrize("text", ["do you sell e-bikes", "do you have e-bikes"])
def test_what_the_shop_does_not_sell_is_said_plainly(shopper: Shopper, text: str) -> None:
    reply = shopper.says(text)
    assert reply.products == []
    assert "not something Cairn & Compass carries" in reply.text


def test_another_language_after_a_policy_answer_is_not_that_answer_again(
    shopper: Shopper,
) -> None:
    policy = shopper.says("what is your return policy?")
    reply = shopper.says("¿y para artículos en oferta?")
    assert reply.text != policy.text
    assert reply.products == []
    assert not reply.checkout_url
