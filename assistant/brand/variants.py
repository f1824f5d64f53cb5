"""A/B variants: which prompt variant a conversation gets, the same one every time."""

from __future__ import annotations

import hashlib
import math
from typing import TYPE_CHECKING

from assistant.brand.loader import check_variant_name, load_prompts
from assistant.brand.prompt_set import PromptSet
from assistant.errors import ConfigurationError

if TYPE_CHECKING:  # config imports the channel settings, which import the brand package
    from assistant.config import PromptSettings


def choose_variant(conversation_id: str, settings: PromptSettings) -> str:
    """The variant for a conversation: by weighted stable hash when a split is configured."""
    if not settings.variants:
        return check_variant_name(settings.variant)
    weights = traffic_split(settings)
    # sha256, not hash(): Python salts hash() per process, and every worker must agree.
    digest = hashlib.sha256(conversation_id.encode("utf-8")).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    cumulative = 0.0
    for name, share in weights.items():
        cumulative += share
        if point < cumulative:
            return name
    return next(reversed(weights))  # float rounding left the sum a hair under 1


def traffic_split(settings: PromptSettings) -> dict[str, float]:
    """The configured split as shares summing to 1, in name order; bad weights are refused."""
    for name, weight in settings.variants.items():
        check_variant_name(name)
        if not math.isfinite(weight) or weight <= 0:
            raise ConfigurationError(
                f"prompts.variants: the weight of {name!r} must be a positive number, got "
                f"{weight} (remove a variant to stop serving it)"
            )
    total = sum(settings.variants.values())
    return {name: settings.variants[name] / total for name in sorted(settings.variants)}


class PromptLibrary:
    """Every variant the settings can choose, loaded and checked once at start."""

    def __init__(self, settings: PromptSettings) -> None:
        names = sorted(traffic_split(settings)) if settings.variants else [settings.variant]
        self._settings = settings
        self._sets = {name: load_prompts(settings.dir, name) for name in names}

    @property
    def variants(self) -> list[str]:
        return list(self._sets)

    def get(self, variant: str) -> PromptSet:
        """One loaded variant by name."""
        if variant not in self._sets:
            raise KeyError(f"variant {variant!r} is not configured; loaded: {self.variants}")
        return self._sets[variant]

    def for_conversation(self, conversation_id: str) -> PromptSet:
        """The prompts a conversation uses, stable for its whole life."""
        return self._sets[choose_variant(conversation_id, self._settings)]
