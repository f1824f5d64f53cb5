"""The handoff lifecycle on the web chat: the widget's API is the channel (agent replies reach
the shopper through the conversation's history, which the widget reads)."""

from __future__ import annotations

from tests.desk.conftest import SURE, UNSURE, Shop
from tests.web_chat import start_chat

SECRETS: dict[str, dict[str, str]] = {}  # each conversation's headers, as the widget keeps them


def _start(shop: Shop) -> str:
    chat = start_chat(shop.client)
    SECRETS[chat.id] = chat.headers
    return chat.id


def _say(shop: Shop, conversation_id: str, text: str) -> dict[str, object]:
    response = shop.client.post(
        f"/api/conversations/{conversation_id}/messages",
        json={"text": text},
        headers=SECRETS[conversation_id],
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _history(shop: Shop, conversation_id: str) -> list[str]:
    path = f"/api/conversations/{conversation_id}/messages"
    response = shop.client.get(path, headers=SECRETS[conversation_id])
    return [m["text"] for m in response.json()["messages"]]


def _hand_off(shop: Shop) -> str:
    conversation_id = _start(shop)
    reply = _say(shop, conversation_id, UNSURE)
    assert reply["handoff"] and reply["waiting_for_human"] is True
    paused = _say(shop, conversation_id, "hello? anyone there?")
    assert paused["text"] == "" and paused["waiting_for_human"] is True  # the bot is silent
    ticket = shop.store.latest_ticket(conversation_id)
    assert ticket is not None and ticket.team == "sales" and ticket.reason == "low confidence"
    text = "Hi, Sam here: yes, we engrave our steel bottles for free."
    assert shop.console("sam", "reply", conversation_id, text=text).status_code == 200
    assert _history(shop, conversation_id)[-1] == text  # delivered to the widget
    assert shop.conversation(conversation_id).state == "human"  # replying claimed it
    return conversation_id


def test_web_handoff_then_hand_back(shop: Shop) -> None:
    conversation_id = _hand_off(shop)
    assert _say(shop, conversation_id, "thanks, one more thing")["text"] == ""
    assert shop.console("sam", "handback", conversation_id).status_code == 200
    reply = _say(shop, conversation_id, SURE)
    assert "Sock" in str(reply["text"]) and reply["waiting_for_human"] is False


def test_web_close_and_csat(shop: Shop) -> None:
    conversation_id = _hand_off(shop)
    assert shop.console("sam", "close", conversation_id).status_code == 200
    assert "How did we do" in _history(shop, conversation_id)[-1]
    thanks = _say(shop, conversation_id, "4")
    assert "Thank you for your rating" in str(thanks["text"])
    ticket = shop.store.latest_ticket(conversation_id)
    assert ticket is not None and ticket.csat_rating == 4
    assert "Sock" in str(_say(shop, conversation_id, SURE)["text"])  # back to the bot


def test_a_closed_conversation_reopens_to_the_bot_unless_an_agent_keeps_it(shop: Shop) -> None:
    to_bot = _hand_off(shop)
    shop.console("sam", "close", to_bot)
    assert "Sock" in str(_say(shop, to_bot, SURE)["text"])  # not a rating: a new question
    ticket = shop.store.latest_ticket(to_bot)
    assert ticket is not None and ticket.csat_rating is None
    kept = _hand_off(shop)
    assert shop.console("sam", "close", kept, follow_up=True).status_code == 200
    assert _say(shop, kept, "I sent the photo of the damage")["text"] == ""
    conversation = shop.conversation(kept)
    assert (conversation.state, conversation.assigned_agent) == ("human", "sam")
    queue = shop.client.get("/console/api/queue", headers=shop.as_agent("sam")).json()
    assert [t["conversation_id"] for t in queue["tickets"]] == [kept]  # back in sam's queue
