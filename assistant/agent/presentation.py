"""How a reply shows products and quick replies: one typed tool call, the same for every model.

A model shows products as cards, in its order, and offers quick replies (short tappable
choices) by calling the `present_products` tool (`tools.py`). The call is checked here: every
id must be a catalog product, the quick replies short plain text and no more than the
channel shows. Bad input comes back to the model as an error it can fix; nothing is shown
until a call succeeds. The reply's cards and chips are then built from the last successful
call's result (`reply_content`), whichever model made it: a hosted model through its API, the
offline engine by putting the same call on its answer.

A model message that holds the reply text and calls nothing but `present_products` is the
turn's final reply. The tool returns directly (it ends the graph's pass), so once such a call
succeeds the turn is over without asking the model again: presenting costs no extra model
round-trip. When the pass stopped on a presentation that was not the reply (the model presents
first and writes afterwards, or the call failed), `awaits_reply` says so and the runner lets
the model go on from there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from assistant.agent.cards import product_card
from assistant.agent.context import ShopContext

PRESENT = "present_products"
MAX_PRODUCTS = 10  # as many as one search returns; each channel shows its own few
QUICK_REPLY_MAX_CHARS = 80
BRAND_CHANNEL = {"cli": "web"}  # the terminal previews the web style


def quick_reply_limit(context: ShopContext) -> int:
    """How many quick replies the conversation's channel shows."""
    channel = BRAND_CHANNEL.get(context.channel, context.channel)
    return context.prompts.style(channel).max_quick_replies


def presentation(
    product_ids: Sequence[str], quick_replies: Sequence[str], context: ShopContext
) -> dict[str, Any]:
    """The result of a `present_products` call: the products' cards in the order given (each id
    once) and the quick replies, or `{"error": ...}` saying what to fix."""
    ids = list(dict.fromkeys(p.strip() for p in product_ids))
    chips = [q.strip() for q in quick_replies]
    if not ids and not chips:
        return {"error": "nothing to present: pass product_ids, quick_replies or both"}
    if len(ids) > MAX_PRODUCTS:
        return {"error": f"present at most {MAX_PRODUCTS} products at a time"}
    catalog = context.catalog.products
    products = [catalog.get(i) for i in ids]
    unknown = [i[:60] for i, p in zip(ids, products, strict=True) if p is None]
    if unknown:
        return {
            "error": f"unknown product ids: {', '.join(unknown)}; use product_id values from "
            "search results"
        }
    if problem := _quick_reply_problem(chips, quick_reply_limit(context)):
        return {"error": problem}
    return {
        "products": [product_card(p) for p in products if p is not None],
        "quick_replies": chips,
    }


def _quick_reply_problem(chips: list[str], limit: int) -> str | None:
    if len(chips) > limit:
        return (
            f"too many quick replies: this channel shows at most {limit}"
            if limit
            else "this channel shows no quick replies; write the choices in your reply instead"
        )
    for chip in chips:
        if not chip:
            return "a quick reply is empty; give each one a few words"
        if len(chip) > QUICK_REPLY_MAX_CHARS:
            return (
                f"quick reply {chip[:40]!r}... is too long: keep each to a few words "
                f"(at most {QUICK_REPLY_MAX_CHARS} characters)"
            )
        if not plain_words(chip):
            return f"quick reply {chip[:40]!r} must be plain words on one line, with no link"
    return None


def plain_words(chip: str) -> bool:
    """A quick reply's text has no link and no line break (a link in a chip would be shown
    unchecked, and be taken as grounded by the reply's checks)."""
    return "http" not in chip.lower() and "\n" not in chip


def fits(chip: str) -> bool:
    """A quick reply `present_products` accepts."""
    chip = chip.strip()
    return bool(chip) and len(chip) <= QUICK_REPLY_MAX_CHARS and plain_words(chip)


def presented(results: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, Any] | None:
    """The last successful presentation among a turn's tool results, None if there was none."""
    found = None
    for name, result in results:
        if name == PRESENT and "error" not in result:
            found = result
    return found


def final_reply(messages: Sequence[BaseMessage]) -> int | None:
    """The index of the model message holding the turn's reply among its new messages: the
    last one, or the presenting message the turn ended on (None when neither is there)."""
    if not messages:
        return None
    if isinstance(messages[-1], AIMessage):
        return len(messages) - 1
    for n in range(len(messages) - 1, -1, -1):
        message = messages[n]
        if isinstance(message, AIMessage):
            return n if _presents_reply(message, messages[n + 1 :]) else None
    return None


def _presents_reply(message: AIMessage, answers: Sequence[BaseMessage]) -> bool:
    """A reply with text whose only calls are presentations, all answered without an error."""
    calls = message.tool_calls
    if not calls or not message.text.strip() or any(c["name"] != PRESENT for c in calls):
        return False
    succeeded = {m.tool_call_id for m in answers if isinstance(m, ToolMessage) and _succeeded(m)}
    return all(c["id"] in succeeded for c in calls)


def _succeeded(message: ToolMessage) -> bool:
    """A tool's answer that is neither a failed call nor an `{"error": ...}` result."""
    if message.status == "error":
        return False
    try:
        result = json.loads(message.text)
    except (json.JSONDecodeError, TypeError):
        return False
    return isinstance(result, dict) and "error" not in result


def awaits_reply(messages: Sequence[BaseMessage]) -> bool:
    """The messages stop on a presentation that was not the model's reply: the model has yet
    to write its reply (or to fix the call) and goes on from here."""
    last = messages[-1] if messages else None
    return isinstance(last, ToolMessage) and last.name == PRESENT and final_reply(messages) is None
