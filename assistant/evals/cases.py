"""What an eval case is: one conversation (channel, shopper turns, optional profile) and the
assertions each turn must meet, loaded from YAML files brand teams edit in `evals/`."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.errors import ConfigurationError
from assistant.retrieval.measure_columns import MeasureBound

Category = Literal[
    "search",
    "product_questions",
    "faq",
    "gift_finding",
    "comparison",
    "checkout",
    "orders",
    "handoff",
    "safety",
    "channel_rendering",
    "constraints",
    "superlatives",
    "item_questions",
    "refinement",
    "corrections",
]
CATEGORIES: tuple[Category, ...] = typing.get_args(Category)
CaseChannel = Literal["web", "whatsapp", "messenger", "instagram", "sms"]
Dataset = Literal["mg-shopdial", "ecommerce-faq-chatbot", "contextual-product-qa"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(_Strict):
    """Where a shopper's words come from in `../shared/data`, read at run time (never copied).

    mg-shopdial: `record` is the dialogue id, `utterance` its utterance_id. ecommerce-faq-chatbot
    and contextual-product-qa: `row` is the 1-based data row of the CSV `file` (header excluded).
    """

    dataset: Dataset
    file: str
    record: str | None = None
    utterance: int | None = None
    row: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _located(self) -> SourceRef:
        if self.dataset == "mg-shopdial" and (self.record is None or self.utterance is None):
            raise ValueError("an mg-shopdial reference needs `record` and `utterance`")
        if self.dataset != "mg-shopdial" and self.row is None:
            raise ValueError(f"a {self.dataset} reference needs `row`")
        return self

    def describe(self) -> str:
        where = f"{self.record}#{self.utterance}" if self.record else f"row {self.row}"
        return f"{self.dataset}/{self.file} {where}"


class ToolExpectation(_Strict):
    """A tool the turn must call; `args` maps a dotted argument path to a constraint."""

    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class ProductConstraints(_Strict):
    """What every product card the reply shows must satisfy."""

    min_count: int = Field(default=1, ge=0)
    max_count: int | None = Field(default=None, ge=0)
    price_max: float | None = None
    price_min: float | None = None
    categories: list[str] = Field(default_factory=list, description="any of these")
    in_stock: bool = True
    size: str | None = Field(default=None, description="every product has it in stock")
    color: str | None = None
    measures: list[MeasureBound] = Field(
        default_factory=list, description="every product's measure is within each bound"
    )


class TopK(_Strict):
    """One of `ids` appears among the first `k` products shown (or FAQ entries found)."""

    ids: list[str] = Field(min_length=1)
    k: int = Field(default=3, ge=1)


class CartItemExpectation(_Strict):
    variant: str
    quantity: int = Field(default=1, ge=1)


class CheckoutExpectation(_Strict):
    """The reply's checkout link: present, parses, holds exactly these lines and discount."""

    items: list[CartItemExpectation] = Field(default_factory=list)
    discount: str | None = None


class HandoffExpectation(_Strict):
    expected: bool
    reason: str | None = Field(default=None, description="text the handoff reason contains")


class Expectations(_Strict):
    """Every assertion a turn may make; the grounding and brand-rule checks always run."""

    tools: list[ToolExpectation] = Field(default_factory=list)
    tools_not_called: list[str] = Field(default_factory=list)
    products: ProductConstraints | None = None
    no_products: bool = False
    top_k: TopK | None = None
    faq: TopK | None = None
    checkout: CheckoutExpectation | None = None
    no_checkout: bool = False
    handoff: HandoffExpectation | None = None
    contains: list[str] = Field(default_factory=list)
    contains_any: list[str] = Field(default_factory=list)
    excludes: list[str] = Field(default_factory=list)
    judge: str | None = Field(default=None, description="rubric for an LLM judge, if configured")

    @model_validator(mode="before")
    @classmethod
    def _short_handoff(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("handoff"), bool):
            return {**data, "handoff": {"expected": data["handoff"]}}
        return data


class Turn(_Strict):
    """One shopper message: written out (`say`) or read from a dataset (`source`)."""

    say: str | None = Field(default=None, max_length=4000)
    source: SourceRef | None = None
    expect: Expectations = Field(default_factory=Expectations)

    @model_validator(mode="after")
    def _one_text(self) -> Turn:
        if (self.say is None) == (self.source is None):
            raise ValueError("a turn needs exactly one of `say` or `source`")
        return self


class Profile(_Strict):
    """Who the shopper is; `{name}`, `{email}`, `{zip}`, `{order}` fill in a turn's text."""

    name: str = "Sam"
    email: str = "shopper@example.com"
    zip: str = "97202"
    order: str = ""


class EvalCase(_Strict):
    """One conversation and what each of its turns must do."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,80}$")
    category: Category
    channel: CaseChannel = "web"
    description: str = ""
    profile: Profile | None = None
    turns: list[Turn] = Field(min_length=1, max_length=20)
    file: str = ""

    @property
    def referenced(self) -> bool:
        """Whether any turn reads its words from a dataset."""
        return any(turn.source is not None for turn in self.turns)


def load_cases(paths: list[Path]) -> list[EvalCase]:
    """Every case in the YAML files under `paths` (files or folders), ids unique."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.y*ml") if p.suffix in (".yaml", ".yml")))
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigurationError(f"no eval cases at {path}")
    cases: list[EvalCase] = []
    for file in files:
        cases.extend(_cases_in(file))
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise ConfigurationError(f"eval case id {case.id!r} is used twice ({case.file})")
        seen.add(case.id)
    return cases


def _cases_in(file: Path) -> list[EvalCase]:
    """A file holds one case (a mapping with `id`) or several (`cases:` list)."""
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{file}: not valid YAML ({exc})") from exc
    items, defaults = [data], {}
    if isinstance(data, dict) and "cases" in data:  # a file-wide category and channel apply
        items = data["cases"] if isinstance(data["cases"], list) else [data["cases"]]
        defaults = {k: v for k, v in data.items() if k in ("category", "channel")}
    cases = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ConfigurationError(f"{file}: case {n} is not a mapping")
        try:
            cases.append(EvalCase.model_validate({**defaults, **item, "file": str(file)}))
        except ValidationError as exc:
            problem = exc.errors()[0]
            place = ".".join(str(p) for p in problem["loc"])
            label = item.get("id", f"#{n}")
            raise ConfigurationError(f"{file}: case {label}: {place}: {problem['msg']}") from exc
    return cases
