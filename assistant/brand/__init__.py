"""Brand voice and prompts: the files brand teams edit in `prompts/`, loaded and checked.

    prompts = load_prompts(settings.prompts.dir, choose_variant(conversation_id, settings.prompts))
    prompts.system_prompt("sms", date.today())
    prompts.violations(reply_text, "sms")      # [] when the reply is fine to send

Prompt text only ever comes from files in the configured directory; nothing here takes it
from a request.
"""

from assistant.brand.hours import BusinessHours, OpenSpan
from assistant.brand.loader import (
    DEFAULT_VARIANT,
    PROMPT_FILES,
    available_variants,
    check_variant_name,
    deep_merge,
    load_prompts,
)
from assistant.brand.models import (
    CHANNELS,
    BannedPhrase,
    Brand,
    ChannelStyle,
    ChannelStyles,
    EmojiRules,
    Tone,
)
from assistant.brand.prompt_set import HandoffTemplates, PromptSet
from assistant.brand.rules import violations
from assistant.brand.variants import PromptLibrary, choose_variant, traffic_split

__all__ = [
    "CHANNELS",
    "DEFAULT_VARIANT",
    "PROMPT_FILES",
    "BannedPhrase",
    "Brand",
    "BusinessHours",
    "ChannelStyle",
    "ChannelStyles",
    "EmojiRules",
    "HandoffTemplates",
    "OpenSpan",
    "PromptLibrary",
    "PromptSet",
    "Tone",
    "available_variants",
    "check_variant_name",
    "choose_variant",
    "deep_merge",
    "load_prompts",
    "traffic_split",
    "violations",
]
