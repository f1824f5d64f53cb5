"""Who owns a conversation, as a table of allowed moves: pure functions, no database.

::

    bot --handoff--> pending_human --claim--> human --handback--> bot
                          |  \\--reply (claims)--^    \\--close--> closed
                          \\--handback--> bot          closed --reopen (agent)--> human
                          \\--close--> closed          closed --shopper writes--> bot,
                                                         or human if an agent still owns it
"""

from __future__ import annotations

from typing import Literal

from assistant.errors import AssistantError
from assistant.store.models import State

Action = Literal["handoff", "claim", "reply", "handback", "close", "reopen", "shopper"]

MOVES: dict[tuple[State, Action], State] = {
    ("bot", "handoff"): "pending_human",
    ("pending_human", "claim"): "human",
    ("human", "claim"): "human",  # another agent takes over (same team, or an admin)
    ("pending_human", "reply"): "human",  # replying claims the conversation
    ("human", "reply"): "human",
    ("pending_human", "handback"): "bot",
    ("human", "handback"): "bot",
    ("pending_human", "close"): "closed",
    ("human", "close"): "closed",
    ("closed", "reopen"): "human",
    ("closed", "shopper"): "bot",
}


class TransitionError(AssistantError):
    """The action is not allowed in the conversation's state (HTTP 409)."""

    def __init__(self, state: str, action: str) -> None:
        super().__init__(f"cannot {action} a conversation in state {state!r}")
        self.state = state
        self.action = action


def next_state(state: State, action: Action, *, owner: str | None = None) -> State:
    """The state after `action`, or `TransitionError`. A shopper writing to a closed
    conversation reopens it to the bot, unless an agent still owns it (`owner`)."""
    moved = MOVES.get((state, action))
    if moved is None:
        raise TransitionError(state, action)
    if (state, action) == ("closed", "shopper") and owner:
        return "human"
    return moved


def allowed(state: State) -> list[Action]:
    """The actions possible in `state` (what the console offers)."""
    return [action for (source, action) in MOVES if source == state]


def bot_may_answer(state: State) -> bool:
    """The bot stays silent while a person has, or is about to have, the conversation."""
    return state in ("bot", "closed")
