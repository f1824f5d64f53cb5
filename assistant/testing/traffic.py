"""Simulated shoppers for a running service: conversations driven through the real web chat
API and signed channel webhooks, checkout links followed through `/c/{token}`, and an agent
who claims and closes handed-off conversations through the console API (so shoppers get the
rating question and answer it). Used to seed analytics and to test them against the database.

    traffic = Traffic(client, store, ChannelKeys(...), agent=("ana", "password"))
    log = traffic.run(200)                  # one script per conversation, channels mixed

`store` is only read, to wait until a webhook's turn is over and to see the reply that went
out through the provider. Every choice is a function of the conversation's number, so a run
is reproducible.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from assistant.store import Store
from assistant.testing.provider_webhooks import (
    SignedWebhook,
    messenger_webhook,
    twilio_sms_form,
    whatsapp_text_webhook,
)

Script = Literal["buyer", "browser", "searcher", "handoff", "rated"]
CHANNELS = ("web", "web", "whatsapp", "messenger", "sms")
SCRIPTS: tuple[Script, ...] = ("buyer", "browser", "searcher", "handoff", "rated")
# How often each script happens per channel (web shoppers buy more, SMS asks for people more).
WEIGHTS = {
    "web": (5, 2, 2, 1, 1),
    "whatsapp": (4, 3, 2, 1, 2),
    "messenger": (3, 3, 3, 1, 1),
    "sms": (2, 3, 1, 2, 2),
}
CLICKS = ((0, 3), (1, 5), (2, 1))  # (clicks on a checkout link, weight)
RATINGS = ((1, 1), (2, 1), (3, 2), (4, 4), (5, 5))  # (CSAT rating, weight)
QUESTIONS = ("what's your return policy?", "how long does shipping take?", "do you ship abroad?")
SEARCHES = ("merino socks under $30", "lightweight 2-person tent", "waterproof hiking boots")
WAIT_S = 30.0


@dataclass(frozen=True)
class ChannelKeys:
    """The secrets the simulated providers sign webhooks with, and the SMS webhook's URL."""

    whatsapp_app_secret: str
    messenger_app_secret: str
    twilio_auth_token: str
    sms_webhook_url: str


@dataclass
class Simulated:
    """What one simulated conversation did."""

    number: int
    channel: str
    script: Script
    conversation_id: str = ""
    secret: str = ""  # a web conversation's: sent with each of its messages
    links: list[str] = field(default_factory=list)
    clicks: int = 0
    rating: int | None = None
    dice: random.Random = field(default_factory=random.Random, repr=False)


def _pick(dice: random.Random, weighted: tuple[tuple[int, int], ...]) -> int:
    values, weights = zip(*weighted, strict=True)
    return dice.choices(values, weights)[0]


@dataclass(frozen=True)
class Answer:
    """What a shopper acts on in a reply: its checkout link and the choices it offers."""

    checkout_url: str | None = None
    choices: tuple[str, ...] = ()

    @classmethod
    def of(cls, reply: dict[str, Any]) -> Answer:
        choices = tuple(str(q["payload"]) for q in reply.get("quick_replies") or [])
        return cls(reply.get("checkout_url"), choices)


class TrafficError(RuntimeError):
    """The service did not answer as a shopper would need."""


class Traffic:
    """Drives simulated conversations against the service at `client.base_url`."""

    def __init__(
        self,
        client: httpx.Client,
        store: Store,
        keys: ChannelKeys,
        *,
        agent: tuple[str, str] | None = None,
    ) -> None:
        self._client = client
        self._store = store
        self._keys = keys
        self._agent = agent
        self._logged_in = False

    def run(self, count: int, *, first: int = 0) -> list[Simulated]:
        """Simulate `count` conversations, numbered from `first`."""
        return [self.conversation(n) for n in range(first, first + count)]

    def conversation(self, number: int) -> Simulated:
        """One conversation; its channel and script follow from its number."""
        channel = CHANNELS[number % len(CHANNELS)]
        dice = random.Random(number)  # reproducible: the same number plays the same way
        script = dice.choices(SCRIPTS, WEIGHTS[channel])[0]
        if script == "rated" and self._agent is None:
            script = "handoff"
        done = Simulated(number, channel, script, dice=dice)
        done.conversation_id = self._open(done)
        if script == "buyer":
            self._buy(done)
        elif script == "browser":
            self._say(done, QUESTIONS[number % len(QUESTIONS)])
        elif script == "searcher":
            self._say(done, SEARCHES[number % len(SEARCHES)])
        else:
            self._say(done, "I want to talk to a human please")
            if script == "rated":
                self._rate(done)
        return done

    # ---- a conversation's moves ----
    def _buy(self, done: Simulated) -> None:
        reply = self._say(done, "insulated water bottle")
        reply = self._say(done, "I'll take the first one")
        for _ in range(3):
            if reply.checkout_url or not reply.choices:
                break
            pick = "1" if done.channel == "sms" else reply.choices[0]
            reply = self._say(done, pick)
        if not reply.checkout_url:
            return  # a shopper who gives up; counted as such by whoever reads the store
        done.links.append(reply.checkout_url)
        clicks = _pick(done.dice, CLICKS)
        for _ in range(clicks):
            self._click(reply.checkout_url, done.channel)
            done.clicks += 1

    def _click(self, url: str, channel: str) -> None:
        path = "/c/" + url.rsplit("/c/", 1)[1]
        response = self._client.get(path, headers={"user-agent": f"simulated {channel} shopper"})
        if response.status_code != 302:
            raise TrafficError(f"checkout link answered {response.status_code}")

    def _rate(self, done: Simulated) -> None:
        self._login()
        base = f"/console/api/conversations/{done.conversation_id}"
        for action in ("claim", "close"):
            response = self._client.post(f"{base}/{action}", json={})
            if response.status_code != 200:
                raise TrafficError(f"{action} answered {response.status_code}: {response.text}")
        done.rating = _pick(done.dice, RATINGS)
        self._say(done, str(done.rating))

    def _login(self) -> None:
        if self._logged_in or self._agent is None:
            return
        username, password = self._agent
        body = {"username": username, "password": password}
        response = self._client.post("/console/api/login", json=body)
        if response.status_code != 200:
            raise TrafficError(f"agent login answered {response.status_code}")
        self._logged_in = True

    # ---- talking through a channel ----
    def _open(self, done: Simulated) -> str:
        if done.channel == "web":
            visitor = self._client.post("/api/visitors")  # the pass a site keeps for a shopper
            if visitor.status_code != 201:
                raise TrafficError(f"a visitor pass answered {visitor.status_code}")
            response = self._client.post("/api/conversations", json=visitor.json())
            if response.status_code != 201:
                raise TrafficError(f"starting a web conversation answered {response.status_code}")
            done.secret = str(response.json()["secret"])
            return str(response.json()["conversation_id"])
        return f"{done.channel}:{self._sender(done)}"

    @staticmethod
    def _sender(done: Simulated) -> str:
        if done.channel == "whatsapp":
            return f"1650555{done.number:04d}"
        if done.channel == "messenger":
            return f"68432204{done.number:08d}"
        return f"+1415555{done.number:04d}"

    def _say(self, done: Simulated, text: str) -> Answer:
        if done.channel == "web":
            url = f"/api/conversations/{done.conversation_id}/messages"
            headers = {"x-conversation-secret": done.secret}
            response = self._client.post(url, json={"text": text}, headers=headers)
            if response.status_code != 200:
                raise TrafficError(f"web message answered {response.status_code}")
            return Answer.of(response.json())
        webhook = self._webhook(done, text)
        seen = len(self._store.messages(done.conversation_id, limit=500))
        response = self._client.post(
            f"/webhooks/{done.channel}", content=webhook.body, headers=webhook.headers
        )
        if response.status_code != 200:
            raise TrafficError(f"{done.channel} webhook answered {response.status_code}")
        return self._turn_over(done.conversation_id, seen)

    def _webhook(self, done: Simulated, text: str) -> SignedWebhook:
        sender, keys = self._sender(done), self._keys
        if done.channel == "whatsapp":
            return whatsapp_text_webhook(keys.whatsapp_app_secret, sender=sender, text=text)
        if done.channel == "messenger":
            return messenger_webhook(keys.messenger_app_secret, sender=sender, text=text)
        return twilio_sms_form(
            keys.twilio_auth_token, keys.sms_webhook_url, sender=sender, body=text
        )

    def _turn_over(self, conversation_id: str, seen: int) -> Answer:
        """Wait until the webhook's message is processed; the reply it got (empty if none)."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            rows = self._store.messages(conversation_id, limit=500)[seen:]
            inbound = [r for r in rows if r.direction == "inbound"]
            if inbound and all(r.status in ("processed", "failed") for r in inbound):
                replies = [r for r in rows if r.direction == "outbound"]
                return Answer.of(replies[-1].payload) if replies else Answer()
            time.sleep(0.02)
        raise TrafficError(f"no answer in {conversation_id} within {WAIT_S:.0f}s")
