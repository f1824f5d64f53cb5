"""What `prompts/brand.yaml` holds, as typed models: persona, tone, emoji, phrases, channels."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from assistant.brand.hours import BusinessHours
from assistant.brand.text import contains_phrase, find_emoji, phrase_pattern

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
CHANNELS = ("web", "whatsapp", "messenger", "instagram", "sms", "cli")
CHANNEL_NAMES = {
    "web": "web chat", "whatsapp": "WhatsApp", "messenger": "Facebook Messenger",
    "instagram": "Instagram Direct", "sms": "SMS text message", "cli": "terminal chat",
}  # fmt: skip


class _BrandFile(BaseModel):
    # strict: a brand file saying `max_chars: "160"` or `markdown: 1` is a mistake worth hearing
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Tone(_BrandFile):
    """A few adjectives and a sentence on how the persona talks."""

    adjectives: list[Text] = Field(min_length=1, max_length=8)
    description: Text

    def describe(self) -> str:
        return f"{', '.join(self.adjectives)}. {self.description}"


class EmojiRules(_BrandFile):
    """`none`, `sparing` (only the `allowed` ones) or `friendly` (any, within the cap)."""

    policy: Literal["none", "sparing", "friendly"]
    allowed: list[str] = Field(default_factory=list, description="used by `sparing` only")
    max_per_message: int | None = Field(default=None, ge=1)

    @property
    def cap(self) -> int | None:
        """Most emoji in one message: `max_per_message`, or 1 for `sparing` when unset."""
        if self.max_per_message is None and self.policy == "sparing":
            return 1
        return self.max_per_message

    @field_validator("allowed")
    @classmethod
    def _each_is_one_emoji(cls, value: list[str]) -> list[str]:
        for item in value:
            if find_emoji(item) != [item.strip()]:
                raise ValueError(f"{item!r} is not a single emoji")
        return [item.strip() for item in value]

    @model_validator(mode="after")
    def _sparing_lists_them(self) -> EmojiRules:
        if self.policy == "sparing" and not self.allowed:
            raise ValueError("policy 'sparing' needs an `allowed` list of emoji")
        return self


class BannedPhrase(_BrandFile):
    """A phrase the persona never uses, optionally with what to say instead."""

    phrase: Text
    instead: Text | None = None

    def matches(self, text: str) -> bool:
        """Whole-word, case-insensitive; curly and straight apostrophes are the same."""
        return contains_phrase(text, phrase_pattern(self.phrase))


class ChannelStyle(_BrandFile):
    """How replies look on one channel; the adapter enforces the same numbers."""

    markdown: bool
    max_chars: int = Field(gt=0, description="per message; for SMS, GSM-7 characters")
    max_chars_ucs2: int | None = Field(
        default=None, gt=0, description="SMS only: the limit once a non-GSM character appears"
    )
    max_cards: int = Field(ge=0, description="product cards (or products named) per reply")
    max_quick_replies: int = Field(ge=0)
    options: Literal["buttons", "numbered"] = Field(
        default="buttons", description="numbered: write choices as 1. 2. 3. in the text"
    )
    emoji: bool = Field(default=True, description="false: no emoji here whatever the policy")
    notes: str = Field(default="", description="a sentence or two of style for the model")

    @model_validator(mode="after")
    def _ucs2_is_tighter(self) -> ChannelStyle:
        if self.max_chars_ucs2 is not None and self.max_chars_ucs2 > self.max_chars:
            raise ValueError("max_chars_ucs2 cannot be larger than max_chars")
        return self


class ChannelStyles(_BrandFile):
    """One style per channel; `cli` (the terminal) falls back to `web`."""

    web: ChannelStyle
    whatsapp: ChannelStyle
    messenger: ChannelStyle
    instagram: ChannelStyle
    sms: ChannelStyle
    cli: ChannelStyle | None = None

    def get(self, channel: str) -> ChannelStyle:
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}; channels: {', '.join(CHANNELS)}")
        style: ChannelStyle | None = getattr(self, channel)
        return style if style is not None else self.web


class Brand(_BrandFile):
    """Everything in brand.yaml."""

    persona: Text
    brand: Text
    tone: Tone
    emoji: EmojiRules
    banned_phrases: list[BannedPhrase] = Field(default_factory=list)
    greeting: Text
    sign_off: Text
    away_message: Text = Field(description="said outside business hours when handing off")
    business_hours: BusinessHours
    human_reply_wait: Text = Field(description='e.g. "about 10 minutes", during business hours')
    channels: ChannelStyles

    @field_validator("banned_phrases", mode="before")
    @classmethod
    def _plain_strings_are_phrases(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"phrase": item} if isinstance(item, str) else item for item in value]
        return value

    @field_validator("greeting", "sign_off", "away_message")
    @classmethod
    def _written_out(cls, value: str) -> str:
        if "{" in value or "}" in value:
            raise ValueError("brand.yaml text is sent as written: placeholders are not filled")
        return value

    @model_validator(mode="after")
    def _own_words_follow_own_rules(self) -> Brand:
        for field in ("greeting", "sign_off", "away_message"):
            text = getattr(self, field)
            for banned in self.banned_phrases:
                if banned.matches(text):
                    raise ValueError(f"{field} uses the banned phrase {banned.phrase!r}")
        return self

    def style(self, channel: str) -> ChannelStyle:
        """The style of `channel` (one of CHANNELS)."""
        return self.channels.get(channel)
