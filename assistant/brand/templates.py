"""Markdown templates: `{name}` placeholders checked against a known list when they load.

Literal braces are written `{{` and `}}`. HTML comments (`<!-- ... -->`) are notes for the
people editing the file and are removed before anything reaches a model or a shopper.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from assistant.errors import ConfigurationError

SYSTEM_PLACEHOLDERS = frozenset(
    {
        "persona", "brand", "tone", "channel", "channel_style", "emoji_policy",
        "banned_phrases", "today", "greeting", "sign_off", "human_hours", "human_reply_wait",
    }
)  # fmt: skip
HANDOFF_SECTIONS: dict[str, frozenset[str]] = {
    "during hours": frozenset({"wait", "persona", "brand"}),
    "outside hours": frozenset({"away_message", "next_open", "persona", "brand"}),
    "agent summary": frozenset(
        {
            "conversation_id", "channel", "variant", "reason", "customer", "order",
            "products", "summary", "last_message",
        }
    ),
}  # fmt: skip
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}|[{}]")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_SECTION = re.compile(r"^##[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)


def strip_comments(text: str) -> str:
    """Drop HTML comments, keeping their newlines so line numbers still point true."""
    return _COMMENT.sub(lambda match: "\n" * match.group().count("\n"), text)


def check_placeholders(
    text: str, allowed: frozenset[str], source: str, first_line: int = 1
) -> None:
    """Raise ConfigurationError naming file and line for any placeholder not in `allowed`."""
    for match in _TOKEN.finditer(text):
        token, name = match.group(), match.group(1)
        if token in ("{{", "}}"):
            continue
        line = first_line + text.count("\n", 0, match.start())
        where = f"{source}: line {line}"
        if name is None:
            raise ConfigurationError(
                f"{where}: unmatched {token!r}; write {token * 2!r} for a literal brace"
            )
        if not _NAME.match(name.strip()) or name.strip() not in allowed:
            raise ConfigurationError(
                f"{where}: unknown placeholder {{{name}}}; known: "
                + ", ".join(f"{{{known}}}" for known in sorted(allowed))
            )
        if name != name.strip():
            raise ConfigurationError(f"{where}: write {{{name.strip()}}} without spaces")


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill a checked template; values are inserted as written, never re-parsed."""
    return template.format_map(values).strip()


def parse_handoff(text: str, source: str) -> dict[str, str]:
    """Split handoff.md into its `## During hours`, `## Outside hours`, `## Agent summary`."""
    text = strip_comments(text)
    headings = list(_SECTION.finditer(text))
    sections: dict[str, str] = {}
    for index, heading in enumerate(headings):
        key = heading.group(1).strip().lower()
        line = text.count("\n", 0, heading.start()) + 1
        if key not in HANDOFF_SECTIONS:
            raise ConfigurationError(
                f"{source}: line {line}: unknown section {heading.group(1)!r}; sections: "
                + ", ".join(name.capitalize() for name in HANDOFF_SECTIONS)
            )
        if key in sections:
            raise ConfigurationError(f"{source}: line {line}: section {key!r} appears twice")
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        body = text[heading.end() : end]
        check_placeholders(body, HANDOFF_SECTIONS[key], f"{source} ({key})", line)
        if not body.strip():
            raise ConfigurationError(f"{source}: line {line}: section {key!r} is empty")
        sections[key] = body.strip()
    missing = [name for name in HANDOFF_SECTIONS if name not in sections]
    if missing:
        raise ConfigurationError(
            f"{source}: missing section(s): " + ", ".join(f"## {m.capitalize()}" for m in missing)
        )
    return sections
