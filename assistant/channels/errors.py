"""Errors of the channel adapters. Vendor failures (httpx, provider error bodies) become these
in the adapter that met them; one handler maps them to HTTP (see the wiring notes in base.py).
"""

from __future__ import annotations

from assistant.errors import AssistantError, ConfigurationError


class ChannelError(AssistantError):
    """Base of every channel adapter error."""


class ChannelConfigurationError(ChannelError, ConfigurationError):
    """A channel is enabled without a secret, token or id it needs: raised at construction."""


class SignatureError(ChannelError):
    """A webhook's signature (or verify token) is missing or wrong: answer 403, process nothing."""


class WebhookParseError(ChannelError):
    """A signed webhook body that cannot be read: answer 400 with the reason, never a 500."""


class WindowClosedError(ChannelError):
    """The provider does not allow a free-form message to this person now (a messaging window
    has closed and no template or tag may be used instead)."""


class SendError(ChannelError):
    """A payload could not be delivered to the provider.

    `retryable` tells the outbox whether trying later can help and cannot send the message
    twice (429, 503, a connection refused, provider throttling) or not (bad request, rejected
    token, recipient opted out; see `UncertainSendError` for an unknown outcome). `retry_after_s` is
    the provider's own wait, when it gave one longer than the adapter waits in-process.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        code: str | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.code = code
        self.retry_after_s = retry_after_s


class UncertainSendError(SendError):
    """The request may have reached the provider, but no answer says whether it took the
    message (a read timeout, a connection lost after sending, an undocumented 5xx).

    Never retried, in-process or by the outbox: a repeat could deliver the message twice.
    The outbox marks the item `uncertain` for the team to check.
    """

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message, retryable=False, status=status, code=code)
