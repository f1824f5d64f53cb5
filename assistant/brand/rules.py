"""A reply checked against the brand's rules for one channel: the guardrails and evals use it."""

from __future__ import annotations

from assistant.brand.models import BannedPhrase, Brand, ChannelStyle, EmojiRules
from assistant.brand.text import (
    find_emoji,
    find_markdown,
    is_gsm7,
    non_gsm7,
    same_emoji,
    sms_length,
)


def violations(brand: Brand, text: str, channel: str) -> list[str]:
    """Every way `text` breaks the brand's rules on `channel`; empty when it is fine to send."""
    style = brand.style(channel)
    return [
        *_phrases(text, brand.banned_phrases),
        *_emoji(text, brand.emoji, style, channel),
        *_markdown(text, style, channel),
        *_length(text, style, channel),
    ]


def within_length(text: str, style: ChannelStyle) -> bool:
    """Whether `text` fits the style's length (SMS counted as it is billed)."""
    return not _length(text, style, "this channel")


def emoji_allowed(rules: EmojiRules, style: ChannelStyle) -> bool:
    """Whether any emoji may appear on a channel with this style."""
    return rules.policy != "none" and style.emoji


def _phrases(text: str, banned: list[BannedPhrase]) -> list[str]:
    found = []
    for phrase in banned:
        if phrase.matches(text):
            hint = f" (say {phrase.instead!r} instead)" if phrase.instead else ""
            found.append(f"banned phrase {phrase.phrase!r}{hint}")
    return found


def _emoji(text: str, rules: EmojiRules, style: ChannelStyle, channel: str) -> list[str]:
    used = find_emoji(text)
    if not used:
        return []
    if not style.emoji:
        return [f"emoji are not used on {channel}: {' '.join(used)}"]
    if rules.policy == "none":
        return [f"emoji are not used by this brand: {' '.join(used)}"]
    found = []
    if rules.policy == "sparing":
        others = [e for e in used if not any(same_emoji(e, ok) for ok in rules.allowed)]
        if others:
            found.append(
                f"emoji not on the allowed list: {' '.join(dict.fromkeys(others))} "
                f"(allowed: {' '.join(rules.allowed)})"
            )
    if rules.cap is not None and len(used) > rules.cap:
        found.append(f"too many emoji: {len(used)} (at most {rules.cap})")
    return found


def _markdown(text: str, style: ChannelStyle, channel: str) -> list[str]:
    if style.markdown:
        return []
    return [f"markdown {kind} on {channel}, which shows plain text" for kind in find_markdown(text)]


def _length(text: str, style: ChannelStyle, channel: str) -> list[str]:
    # A style with max_chars_ucs2 is counted the way SMS bills it: GSM-7 septets, or
    # UTF-16 units against the tighter limit once one non-GSM character (an emoji, a "—") appears.
    if style.max_chars_ucs2 is not None:
        length = sms_length(text)
        if not is_gsm7(text):
            if length <= style.max_chars_ucs2:
                return []
            chars = " ".join(repr(c) for c in non_gsm7(text)[:5])
            return [
                f"too long for {channel}: {length} characters (max {style.max_chars_ucs2} "
                f"once a non-GSM character is used: {chars})"
            ]
    else:
        length = len(text)
    if length > style.max_chars:
        return [f"too long for {channel}: {length} characters (max {style.max_chars})"]
    return []
