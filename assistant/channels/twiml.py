"""TwiML answers to Twilio's webhook. We reply through the REST API (so the outbox can retry),
so the webhook itself answers an empty ``<Response/>``."""

from __future__ import annotations

# escape() quotes the text of the TwiML we write; nothing here parses XML.
from xml.sax.saxutils import escape  # nosec B406

TWIML_MEDIA_TYPE = "text/xml"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def twiml(*messages: str) -> str:
    """A TwiML document sending `messages` as replies (none: the empty response)."""
    if not messages:
        return EMPTY_TWIML
    body = "".join(f"<Message>{escape(message)}</Message>" for message in messages)
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'
