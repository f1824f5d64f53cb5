"""What can go wrong at the desk; the API maps each to an HTTP status."""

from __future__ import annotations

from assistant.errors import AssistantError


class DeskError(AssistantError):
    """A desk action was refused."""


class NotYourTeam(DeskError):
    """The ticket belongs to another team and the agent is not an admin (HTTP 403)."""


class ClaimedByAnother(DeskError):
    """Another agent has the conversation; only an admin may take it over (HTTP 409)."""


class ReplyNotAllowed(DeskError):
    """The channel does not let a person message the shopper now (HTTP 422)."""


class NoSuchConversation(DeskError):
    """No conversation with that id (HTTP 404)."""
