"""The offline engine's reply templates, from `prompts/replies.yaml` (a variant may override)."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import ConfigurationError

FILE = "replies.yaml"

# Every template the engine uses, with the placeholders it fills in.
PLACEHOLDERS: dict[str, set[str]] = {
    "search_intro": {"constraints"},
    "search_relaxed": {"constraints"},
    "search_none": {"constraints"},
    "search_more": set(),
    "not_carried": {"brand"},
    "ask_which_product": set(),
    "ask_option": {"option", "values"},
    "option_sold_out": {"title", "wanted", "alternatives"},
    "option_missing": {"title", "wanted", "values"},
    "product_overview": {"title", "price", "description"},
    "product_has_color": {"title", "color", "sizes"},
    "product_lacks_color": {"title", "color", "colors"},
    "product_has_size": {"title", "size", "colors"},
    "product_size_sold_out": {"title", "size", "alternatives"},
    "product_lacks_size": {"title", "size", "sizes"},
    "product_attribute": {"title", "label", "value"},
    "product_attribute_unknown": {"title", "label"},
    "product_stock": {"title", "summary"},
    "compare_intro": set(),
    "compare_cheaper": {"title", "price"},
    "rank_best": {"title", "extreme", "label", "value"},
    "rank_pair": {"first", "second", "extreme", "label", "value", "other"},
    "rank_unknown": {"label"},
    "shift_none": {"label"},
    "shift_values": {"label", "values"},
    "checkout_ready": {"summary", "subtotal", "url"},
    "checkout_problem": {"problem"},  # one of the checkout_<problem> lines below
    "checkout_cart": set(),
    "checkout_cart_size": set(),
    "checkout_unknown_item": set(),
    "checkout_sold_out": set(),
    "checkout_quantity": set(),
    "checkout_stock_limit": set(),
    "checkout_discount_code": set(),
    "checkout_discount_at_checkout": set(),
    "checkout_unsupported_item": set(),
    "faq_answer": {"answer"},
    "faq_unsure": {"answer"},
    "gift_ask": {"questions"},
    "gift_intro": {"for_whom", "budget"},
    "gift_none": {"budget"},
    "order_ask_id": set(),
    "order_ask_verify": {"order_id"},
    "order_status": {"order_id", "status", "details"},
    "order_problem": {"error"},
    "order_offer_person": {"error"},
    "order_locked": {"error"},
    "order_unavailable": set(),
    "thanks": set(),
    "out_of_scope": {"persona", "brand"},
    "fallback": set(),
    "frustration": set(),
}


class Replies:
    """Validated templates; `render(key, n, **values)` picks line n of a list, round-robin."""

    def __init__(self, templates: dict[str, list[str]]) -> None:
        self._templates = templates

    @classmethod
    def load(cls, directory: Path, variant: str = "default") -> Replies:
        data = _read(directory / FILE)
        if variant != "default":
            override = directory / "variants" / variant / FILE
            if override.exists():
                data.update(_read(override))
        templates: dict[str, list[str]] = {}
        for key, allowed in PLACEHOLDERS.items():
            if key not in data:
                raise ConfigurationError(f"{directory / FILE}: {key}: missing template")
            lines = data[key] if isinstance(data[key], list) else [data[key]]
            for line in lines:
                if not isinstance(line, str) or not line.strip():
                    raise ConfigurationError(
                        f"{directory / FILE}: {key}: must be text or a list of text"
                    )
                used = {name for _, name, _, _ in string.Formatter().parse(line) if name}
                if used - allowed:
                    raise ConfigurationError(
                        f"{directory / FILE}: {key}: unknown placeholder(s) "
                        f"{sorted(used - allowed)}; "
                        f"allowed: {sorted(allowed) or 'none'}"
                    )
            templates[key] = lines
        unknown = set(data) - set(PLACEHOLDERS)
        if unknown:
            raise ConfigurationError(f"{directory / FILE}: unknown template(s) {sorted(unknown)}")
        return cls(templates)

    def render(self, key: str, n: int = 0, **values: Any) -> str:
        lines = self._templates[key]
        return lines[n % len(lines)].format(**values)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigurationError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: expected a mapping of template names to text")
    return data
