"""Which of the products shown is the lightest, the brightest, the roomiest; is the first one
heavier than the third: the products shown, ordered by the measure the shopper means."""

from __future__ import annotations

from assistant.agent.offline.actions import Action, Call
from assistant.agent.offline.kit import Turn
from assistant.agent.offline.memory import Step
from assistant.retrieval.measure_columns import SortBy

MAX_COMPARED = 4  # what the compare tool takes


def among_shown(turn: Turn, sort: SortBy, indices: list[int]) -> Action:
    """Order the products shown (or the ones pointed at) by `sort`, through the compare tool."""
    shown = turn.carry.shown
    chosen = [shown[i] for i in indices] if indices else shown[:MAX_COMPARED]
    ids = list(dict.fromkeys(s.product_id for s in chosen))
    data = {"pair": len(ids) == 2, "sort": sort.model_dump()}
    return Call(
        Step(flow="rank", data=data), [("compare", {"product_ids": ids, "sort": data["sort"]})]
    )


def ranked(turn: Turn, step: Step) -> Action:
    """Name the first of the products in the measure's order (and the second, for a pair)."""
    sort = SortBy.model_validate(step.data["sort"])
    result = turn.memory.result("compare")
    carry = turn.carry.model_copy(deep=True)
    if "error" in result or not result.get("products"):
        return turn.answer(turn.say("fallback"), carry=carry, fallback=True)
    cards = result["products"]
    values: dict[str, str] = result["sorted_by"]["values"]
    label = str(result["sorted_by"]["measure"]).replace("_", " ")
    first, second = cards[0], cards[1]
    extreme = "highest" if sort.direction == "desc" else "lowest"
    carry.awaiting, carry.focus = "", first["product_id"]  # a search goes on from here
    if values.get(first["product_id"], "-") == "-":
        text = turn.say("rank_unknown", label=label)
        return turn.answer(text, carry=carry)
    if step.data.get("pair"):
        text = turn.say(
            "rank_pair",
            first=first["title"],
            second=second["title"],
            extreme=extreme,
            label=label,
            value=values[first["product_id"]],
            other=values.get(second["product_id"], "-"),
        )
        return turn.answer(text, carry=carry, cards=[first["product_id"], second["product_id"]])
    text = turn.say(
        "rank_best",
        title=first["title"],
        extreme=extreme,
        label=label,
        value=values[first["product_id"]],
    )
    return turn.answer(text, carry=carry, cards=[first["product_id"]])
