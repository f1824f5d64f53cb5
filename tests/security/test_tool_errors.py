"""Tool errors are written for the model ("Leave discount_code empty unless..."): the shopper
sees the brand's own reply instead, and the model still gets the actionable text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import ToolMessage

from assistant.agent.offline.replies import Replies
from assistant.checkout import CheckoutError
from assistant.config import PROJECT_ROOT, Settings
from assistant.conversation import Concierge
from assistant.messages import InboundMessage, Reply
from assistant.retrieval.index import CatalogIndex

# Words of the tools' own texts that mean nothing to a shopper.
PROMPTS = PROJECT_ROOT / "prompts"
INTERNAL = ("discount_code", "variant_id", "variant", "Leave ", "get_product", "the shopper")


@pytest.fixture
def concierge(demo_index: CatalogIndex, tmp_path: Path) -> Concierge:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    return Concierge.from_settings(settings, demo_index)


def _says(concierge: Concierge, text: str) -> Reply:
    message = InboundMessage(channel="web", sender="shopper-9", text=text)
    return concierge.handle(message)


def _tool_results(concierge: Concierge, conversation_id: str) -> list[dict[str, object]]:
    history = concierge.store.load_history(conversation_id)
    return [json.loads(m.text) for m in history if isinstance(m, ToolMessage)]


def test_an_invented_discount_code_gets_a_shopper_reply_not_the_tool_error(
    concierge: Concierge,
) -> None:
    _says(concierge, "insulated water bottle")
    reply = _says(concierge, "add the first one with code FREESTUFF100")
    while not reply.checkout_url and reply.quick_replies and "code" not in reply.text:
        reply = _says(concierge, reply.quick_replies[0].payload)
    assert reply.checkout_url is None
    assert "not a valid code" in reply.text  # the brand's template (prompts/replies.yaml)
    for word in INTERNAL:
        assert word not in reply.text, reply.text
    errors = [r for r in _tool_results(concierge, "web:shopper-9") if "error" in r]
    assert errors and "Leave discount_code empty" in str(errors[-1]["error"])  # the model's
    assert errors[-1]["problem"] == "discount_code"


def test_every_checkout_problem_has_a_shopper_template() -> None:
    def kinds(cls: type[CheckoutError]) -> set[str]:
        return {cls.problem}.union(*(kinds(sub) for sub in cls.__subclasses__()))

    replies = Replies.load(PROMPTS)
    for kind in kinds(CheckoutError):
        text = replies.render(f"checkout_{kind}", 0)
        assert text and not any(word in text for word in INTERNAL), (kind, text)
