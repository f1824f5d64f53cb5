"""Errors of the chat model behind the agent, translated from vendor exceptions."""

from assistant.errors import AssistantError


class ModelUnavailableError(AssistantError):
    """The model endpoint timed out or failed after its retries."""


class ModelBehaviourError(AssistantError):
    """The model looped through tools or produced something unusable."""
