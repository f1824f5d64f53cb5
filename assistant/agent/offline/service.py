"""Service flows: policies, order status, the gift finder, handing off, small talk."""

from __future__ import annotations

from typing import Any

from assistant.agent.offline import signals
from assistant.agent.offline.actions import Action, Answer, Call
from assistant.agent.offline.kit import Turn
from assistant.agent.offline.memory import Step

BUDGET_CHIPS = ["Under $50", "Under $100", "Under $200", "No set budget"]
PERSON_CHIP = "Talk to a person"  # an explicit ask when sent back (`handoff.EXPLICIT_ASK`)


def faq(turn: Turn) -> Action:
    if turn.memory.step is None:
        calls = [("search_faq", {"question": turn.text})]
        if turn.carry.intent == "faq" and turn.carry.topic:  # "what about the UK?"
            calls.append(("search_faq", {"question": f"{turn.carry.topic} {turn.text}"}))
        return Call(Step(flow="faq"), calls)
    # The message's own search first; after it, a follow-up's, read with the last topic
    # ("do you ship to Canada?" ... "how long does it take?"), when that one matched.
    results = turn.memory.results.get("search_faq", [{}])
    strong = [n for n, r in enumerate(results) if r.get("match") == "strong"]
    result = results[strong[0] if strong else 0]
    carry = turn.carry.model_copy(deep=True)
    carry.intent, carry.awaiting = "faq", ""
    if strong and strong[0] == 0:
        carry.topic = turn.text
    entries = result.get("entries", [])
    if not entries:
        return turn.answer(turn.say("fallback"), carry=carry, fallback=True)
    key = "faq_answer" if result.get("match") == "strong" else "faq_unsure"
    return turn.answer(
        turn.say(key, answer=entries[0]["answer"]), carry=carry, fallback=key == "faq_unsure"
    )


def order(turn: Turn) -> Action:
    carry = turn.carry.model_copy(deep=True)
    if turn.memory.step is not None:
        return _order_result(turn, carry)
    found = dict(carry.order)
    if order_id := signals.order_id(turn.text):
        found["order_id"] = order_id
    proof = signals.email(turn.text) or signals.zip_code(turn.text, exclude=found.get("order_id"))
    if proof:
        found["proof"] = proof
    carry.order, carry.intent = found, "order"
    if "order_id" not in found:
        carry.awaiting = "order_details"
        return turn.answer(turn.say("order_ask_id"), carry=carry)
    if "proof" not in found:
        carry.awaiting = "order_details"
        return turn.answer(turn.say("order_ask_verify", order_id=found["order_id"]), carry=carry)
    args = {"order_id": found["order_id"], "email_or_zip": found["proof"]}
    return Call(Step(flow="order"), [("order_status", args)])


def _order_result(turn: Turn, carry: Any) -> Action:
    result = turn.memory.result("order_status")
    if "error" in result:
        if "problem" in result:  # the tool's text is about our systems: never shown
            carry.order, carry.awaiting = {}, "order_details"
            return turn.answer(turn.say("order_unavailable"), carry=carry)
        # Never a handoff of its own: a person is offered when the tool says so (once per
        # shopper and window), and a locked-out lookup gets neither a retry nor a person.
        carry.order = {}
        carry.awaiting = "" if result.get("locked") else "order_details"
        if result.get("locked"):
            return turn.answer(turn.say("order_locked", error=result["error"]), carry=carry)
        if result.get("offer_person"):
            text = turn.say("order_offer_person", error=result["error"])
            return turn.answer(text, carry=carry, quick_replies=[PERSON_CHIP])
        return turn.answer(turn.say("order_problem", error=result["error"]), carry=carry)
    carry.order, carry.awaiting = {}, ""
    return turn.answer(
        turn.say(
            "order_status",
            order_id=result.get("id", ""),
            status=_status(result),
            details=_details(result),
        ),
        carry=carry,
    )


def _status(view: dict[str, Any]) -> str:
    return str(view.get("status", "being processed")).replace("_", " ")


def _details(view: dict[str, Any]) -> str:
    items = view.get("items", [])
    parts = []
    if items:
        parts.append(
            "Items: "
            + ", ".join(f"{i.get('quantity', 1)} x {i.get('title', 'item')}" for i in items[:6])
            + "."
        )
    for shipment in view.get("shipments", []) or view.get("fulfillments", []):
        numbers = shipment.get("tracking_numbers") or []
        if numbers:
            carrier = shipment.get("carrier") or "the carrier"
            parts.append(f"Tracking with {carrier}: {', '.join(numbers)}.")
    return " ".join(parts)


def gift(turn: Turn) -> Action:
    carry = turn.carry.model_copy(deep=True)
    if turn.memory.step is None:
        needs = _needs(turn, dict(carry.gift))
        carry.gift = needs
        return Call(Step(flow="gift", data={"needs": needs}), [("recommend", {"needs": needs})])
    needs = turn.memory.step.data["needs"]
    result = turn.memory.result("recommend")
    carry.gift, carry.intent = needs, "gift"
    budget = f" under ${needs['budget_max']}" if needs.get("budget_max") else ""
    if result.get("status") == "need_more":
        carry.awaiting = "gift_facts"
        chips = BUDGET_CHIPS if "budget" in result.get("missing", []) else []
        return turn.answer(
            turn.say("gift_ask", questions=" ".join(result["ask"])),
            carry=carry,
            quick_replies=chips,
        )
    carry.awaiting = ""
    items = result.get("items", [])
    if not items:
        return turn.answer(turn.say("gift_none", budget=budget), carry=carry)
    for_whom = f" for {needs['recipient']}" if needs.get("recipient") else ""
    text = turn.say("gift_intro", for_whom=for_whom, budget=budget)
    listed = turn.listing(items, reasons=True)  # text channels: numbered, as many as they show
    text += listed or "\n" + "\n".join(
        f"- {i['title']} (${i['price']}): {i['reason']}" for i in items
    )
    named = turn.showable(items) if listed else items
    carry.shown, carry.focus, carry.gift = turn.remember_shown(named), None, {}
    return turn.answer(
        text,
        carry=carry,
        cards=[i["product_id"] for i in items],
        quick_replies=["Tell me about #1"],
    )


def _needs(turn: Turn, needs: dict[str, Any]) -> dict[str, Any]:
    text = turn.text
    lowered = text.lower()
    stated = signals.budget(text) or turn.kit.parser.parse(text).filters.price_max
    if stated is not None:
        needs["budget_max"] = str(stated)
    if signals.NO_BUDGET.search(text):
        needs["budget_flexible"] = True
    if relation := signals.RELATIONS.search(text):
        needs["recipient"] = (
            f"your {relation.group(0).lower()}"
            if relation.group(0).lower() not in ("him", "her", "me", "myself")
            else relation.group(0).lower()
        )
    if (age := signals.age(text)) is not None:
        needs["age"] = age
        needs.setdefault("recipient", f"a {age}-year-old")
    interests = sorted({m.group(0).lower() for m in signals.INTERESTS.finditer(text)})
    if interests:
        needs["interests"] = sorted(set(needs.get("interests", [])) | set(interests))
    if signals.KID.search(lowered) or (needs.get("age") is not None and int(needs["age"]) <= 12):
        needs["gender"] = "kids"
    elif signals.FEMALE.search(lowered):
        needs["gender"] = "women"
    elif signals.MALE.search(lowered):
        needs["gender"] = "men"
    occasion = signals.GIFT.search(text)
    if occasion and occasion.group(0).lower() not in ("gift", "gifts", "present"):
        needs.setdefault("occasion", occasion.group(0).lower())
    return needs


def handoff(turn: Turn, reason: str, apologise: bool = False) -> Action:
    if turn.memory.step is None:
        return Call(
            Step(flow="handoff", data={"reason": reason}),
            [("handoff_to_human", {"reason": reason})],
        )
    result = turn.memory.result("handoff_to_human")
    carry = turn.carry.model_copy(deep=True)
    carry.intent, carry.awaiting = "handoff", ""
    text = result.get("message", "")
    if apologise:
        text = f"{turn.say('frustration')} {text}"
    return turn.answer(text, carry=carry)


def small_talk(turn: Turn, key: str, **values: Any) -> Answer:
    carry = turn.carry.model_copy(deep=True)
    carry.awaiting = ""
    return turn.answer(turn.say(key, **values), carry=carry, fallback=key == "fallback")
