"""A loaded, checked set of prompts for one variant, and everything rendered from it."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from assistant.brand import rules
from assistant.brand.models import CHANNEL_NAMES, Brand, ChannelStyle
from assistant.brand.templates import render
from assistant.brand.text import strip_emoji

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SERIOUS = "never in serious moments (complaints, order problems, handoffs)"


class HandoffTemplates(BaseModel):
    """The three sections of handoff.md."""

    model_config = ConfigDict(frozen=True)

    during_hours: str
    outside_hours: str
    agent_summary: str


class PromptSet(BaseModel):
    """Brand, system template, tool guidance and handoff texts: built by `load_prompts` only."""

    model_config = ConfigDict(frozen=True)

    variant: str
    brand: Brand
    system_template: str
    tools_guidance: str
    handoff: HandoffTemplates

    def style(self, channel: str) -> ChannelStyle:
        """The reply style (limits, markdown, options) of `channel`."""
        return self.brand.style(channel)

    def system_prompt(self, channel: str, today: date) -> str:
        """The system prompt for `channel`, with the tool guidance appended."""
        values = self._values(channel, today)
        return f"{render(self.system_template, values)}\n\n{render(self.tools_guidance, values)}"

    def violations(self, text: str, channel: str) -> list[str]:
        """Banned phrases, emoji, markdown or length in `text` that `channel` does not allow."""
        return rules.violations(self.brand, text, channel)

    def greeting(self, channel: str) -> str:
        """The brand greeting, without emoji where the channel or policy forbids them."""
        if rules.emoji_allowed(self.brand.emoji, self.style(channel)):
            return self.brand.greeting
        return strip_emoji(self.brand.greeting)

    def is_open(self, now: datetime) -> bool:
        """Whether the human team is on duty at `now` (timezone-aware)."""
        return self.brand.business_hours.is_open(now)

    def next_open(self, now: datetime) -> datetime:
        """When the human team is next on duty (`now` itself during hours)."""
        return self.brand.business_hours.next_open(now)

    def handoff_message(self, now: datetime, *, wait: str | None = None) -> str:
        """What the shopper reads when handed to a person: the wait (`wait`, e.g. measured
        from the queue, else the brand's `human_reply_wait`), or the away message."""
        brand = self.brand
        names = {"persona": brand.persona, "brand": brand.brand}
        if self.is_open(now):
            expected = wait or brand.human_reply_wait
            return render(self.handoff.during_hours, {**names, "wait": expected})
        hours = brand.business_hours
        opens = hours.describe_moment(hours.next_open(now), now)
        values = {**names, "away_message": brand.away_message, "next_open": opens}
        return render(self.handoff.outside_hours, values)

    def agent_summary(
        self,
        *,
        conversation_id: str,
        channel: str,
        reason: str,
        summary: str,
        customer: str = "unknown",
        order: str = "none",
        products: str = "none",
        last_message: str = "",
    ) -> str:
        """The note a person reads when they pick up the conversation."""
        values = {
            "conversation_id": conversation_id, "channel": channel, "variant": self.variant,
            "reason": reason, "summary": summary, "customer": customer, "order": order,
            "products": products, "last_message": last_message,
        }  # fmt: skip
        return render(self.handoff.agent_summary, values)

    def _values(self, channel: str, today: date) -> dict[str, str]:
        brand, style = self.brand, self.style(channel)
        return {
            "persona": brand.persona,
            "brand": brand.brand,
            "tone": brand.tone.describe(),
            "channel": CHANNEL_NAMES[channel],
            "channel_style": _describe_style(style),
            "emoji_policy": self._emoji_policy(style),
            "banned_phrases": self._banned_phrases(),
            "today": f"{_DAY_NAMES[today.weekday()]}, {today:%B} {today.day}, {today.year}",
            "greeting": self.greeting(channel),
            "sign_off": brand.sign_off,
            "human_hours": brand.business_hours.describe(),
            "human_reply_wait": brand.human_reply_wait,
        }

    def _emoji_policy(self, style: ChannelStyle) -> str:
        emoji = self.brand.emoji
        if emoji.policy == "none":
            return "Do not use emoji."
        if not style.emoji:
            return "Do not use emoji on this channel."
        most = emoji.cap
        if emoji.policy == "sparing":
            return (
                f"Use emoji sparingly: at most {most} in a message, only from "
                f"{' '.join(emoji.allowed)}, and {_SERIOUS}."
            )
        cap = f" (at most {most} in a message)" if most else ""
        return f"Emoji are welcome where they add warmth{cap}, but {_SERIOUS}."

    def _banned_phrases(self) -> str:
        if not self.brand.banned_phrases:
            return "- (none)"
        lines = []
        for banned in self.brand.banned_phrases:
            instead = f' (say "{banned.instead}" instead)' if banned.instead else ""
            lines.append(f'- "{banned.phrase}"{instead}')
        return "\n".join(lines)


def _describe_style(style: ChannelStyle) -> str:
    lines = []
    if style.markdown:
        lines.append("Markdown is displayed: use **bold** and short lists where they help.")
    else:
        lines.append(
            "Plain text only: no markdown (no **bold**, # headings, tables, `code` or "
            "[text](url) links); write links as bare URLs."
        )
    if style.max_chars_ucs2 is not None:
        lines.append(
            f"Keep each message to one text: at most {style.max_chars} characters of plain "
            f"text, or {style.max_chars_ucs2} if it contains any emoji, curly quotes or dashes "
            "like —."
        )
    else:
        lines.append(f"Keep each message under {style.max_chars} characters.")
    if style.max_cards:
        noun = "product" if style.max_cards == 1 else "products"
        lines.append(
            f"Present at most {style.max_cards} {noun} in one reply, as cards (present_products)."
        )
    else:
        lines.append("Do not present products as cards; name at most one product in words.")
    if not style.max_quick_replies:
        lines.append("Do not offer quick replies.")
    elif style.options == "numbered":
        lines.append(
            f"Offer choices as quick replies (present_products), at most "
            f"{style.max_quick_replies}: they are sent as a numbered list (1. 2. 3.) the shopper "
            "answers with a number, so do not list them again in your text."
        )
    else:
        lines.append(
            f"Offer at most {style.max_quick_replies} quick replies (short tappable choices, "
            "sent with present_products)."
        )
    if style.notes:
        lines.append(style.notes.strip())
    return "\n".join(f"- {line}" for line in lines)
