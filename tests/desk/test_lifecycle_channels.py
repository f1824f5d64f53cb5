"""The handoff lifecycle end to end on every channel: a low-confidence turn opens a ticket,
the bot stays silent while a person is coming, the agent's reply reaches the shopper through
their channel, and after a hand back the bot answers again; or the agent closes, the shopper
is asked for a rating, and the rating is stored."""

from __future__ import annotations

import time

import pytest

from tests.desk.conftest import (
    SURE,
    UNSURE,
    Shop,
    sent_to,
    text_of,
    wait_for_sends,
    wait_processed,
    webhook,
)

CHANNELS = {
    "sms": "+14155550123",
    "whatsapp": "16505550123",
    "messenger": "6843220485700001",
    "instagram": "17841400000000001",
}


def _say(shop: Shop, channel: str, sender: str, text: str) -> None:
    hook = webhook(channel, sender, text)
    response = shop.client.post(f"/webhooks/{channel}", content=hook.body, headers=hook.headers)
    assert response.status_code == 200, response.text


def _hand_off(shop: Shop, channel: str, sender: str) -> str:
    """The shopper asks something the bot is unsure of: a ticket for sales, bot paused."""
    _say(shop, channel, sender, UNSURE)
    told = " ".join(text_of(b) for b in wait_for_sends(shop.provider, sender, 0))
    assert "customer care team" in told or "offline right now" in told  # wait or away message
    conversation_id = f"{channel}:{sender}"
    wait_processed(shop.store, conversation_id)
    assert shop.conversation(conversation_id).state == "pending_human"
    ticket = shop.store.latest_ticket(conversation_id)
    assert ticket is not None and ticket.status == "open"
    assert ticket.reason == "low confidence"
    assert ticket.confidence is not None and ticket.confidence < 0.5
    assert ticket.team == "sales" and f'Last message: "{UNSURE}"' in ticket.summary
    assert "Handed off: low confidence" in ticket.summary
    assert ticket.products and all(p["title"] for p in ticket.products)  # bottles shown
    assert [t["role"] for t in ticket.transcript][:1] == ["shopper"]
    assert ticket.transcript[0]["text"] == UNSURE
    return conversation_id


def _silent_while_pending(shop: Shop, channel: str, sender: str, conversation_id: str) -> None:
    before = len(sent_to(shop.provider, sender))
    _say(shop, channel, sender, "hello? anyone there?")
    time.sleep(0.2)
    wait_processed(shop.store, conversation_id)
    time.sleep(0.5)
    assert len(sent_to(shop.provider, sender)) == before  # no bot reply went out
    last = shop.store.messages(conversation_id)[-1]
    assert last.direction == "inbound" and last.text == "hello? anyone there?"


def _claim_and_reply(shop: Shop, channel: str, sender: str, conversation_id: str) -> None:
    claimed = shop.console("sam", "claim", conversation_id)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["conversation"]["state"] == "human"
    assert claimed.json()["conversation"]["assigned_agent"] == "sam"
    before = len(sent_to(shop.provider, sender))
    text = "Hi, Sam here: yes, we engrave our steel bottles for free."
    replied = shop.console("sam", "reply", conversation_id, text=text)
    assert replied.status_code == 200, replied.text
    delivered = wait_for_sends(shop.provider, sender, before)
    assert any("we engrave our steel bottles" in text_of(b) for b in delivered)
    if channel in ("messenger", "instagram"):  # a person's reply carries Meta's HUMAN_AGENT tag
        assert all(b.get("tag") == "HUMAN_AGENT" for b in delivered)
    roles = [(m["role"], m["author"]) for m in replied.json()["messages"]]
    assert roles[-1] == ("agent", "sam")


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_handoff_then_hand_back_to_the_bot(shop: Shop, channel: str) -> None:
    sender = CHANNELS[channel]
    conversation_id = _hand_off(shop, channel, sender)
    _silent_while_pending(shop, channel, sender, conversation_id)
    _claim_and_reply(shop, channel, sender, conversation_id)
    _silent_while_pending(shop, channel, sender, conversation_id)  # silent while human too
    back = shop.console("sam", "handback", conversation_id)
    assert back.status_code == 200 and back.json()["conversation"]["state"] == "bot"
    before = len(sent_to(shop.provider, sender))
    _say(shop, channel, sender, SURE)
    answer = " ".join(text_of(b) for b in wait_for_sends(shop.provider, sender, before))
    assert "Sock" in answer  # the bot answers again
    ticket = shop.store.latest_ticket(conversation_id)
    assert ticket is not None and (ticket.status, ticket.resolution) == ("closed", "handed_back")
    kinds = [e.kind for e in shop.store.events(conversation_id=conversation_id)]
    assert {"handoff", "handoff_claimed", "handed_back"} <= set(kinds)


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_close_asks_for_a_rating_and_stores_it(shop: Shop, channel: str) -> None:
    sender = CHANNELS[channel]
    conversation_id = _hand_off(shop, channel, sender)
    _claim_and_reply(shop, channel, sender, conversation_id)
    before = len(sent_to(shop.provider, sender))
    closed = shop.console("sam", "close", conversation_id)
    assert closed.status_code == 200 and closed.json()["conversation"]["state"] == "closed"
    asked = " ".join(text_of(b) for b in wait_for_sends(shop.provider, sender, before))
    assert "How did we do" in asked
    if channel == "sms":  # the question says how to answer; no "Reply 1 for 1" list
        assert "Reply 1 for" not in asked
    before = len(sent_to(shop.provider, sender))
    _say(shop, channel, sender, "5 stars")
    thanked = " ".join(text_of(b) for b in wait_for_sends(shop.provider, sender, before))
    assert "Thank you for your rating" in thanked
    ticket = shop.store.latest_ticket(conversation_id)
    assert ticket is not None and ticket.csat_rating == 5 and ticket.resolution == "closed"
    assert shop.conversation(conversation_id).state == "bot"
    before = len(sent_to(shop.provider, sender))
    _say(shop, channel, sender, SURE)
    assert "Sock" in " ".join(text_of(b) for b in wait_for_sends(shop.provider, sender, before))
    csat = [e for e in shop.store.events(conversation_id=conversation_id) if e.kind == "csat"]
    assert [e.data["rating"] for e in csat] == [5]
