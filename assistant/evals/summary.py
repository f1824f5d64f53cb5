"""Pass rates per category, the thresholds they are held to, and a run's summary line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.errors import ConfigurationError
from assistant.evals.cases import CATEGORIES
from assistant.evals.records import CaseResult

FLOOR = 0.85  # no category may be held to less


class Thresholds(BaseModel):
    """`evals/thresholds.yaml`: the pass rate each category must reach (0-1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: float = Field(ge=FLOOR, le=1.0)
    categories: dict[str, float] = Field(default_factory=dict)

    @field_validator("categories")
    @classmethod
    def _known_and_meaningful(cls, value: dict[str, float]) -> dict[str, float]:
        for name, rate in value.items():
            if name not in CATEGORIES:
                raise ValueError(f"unknown category {name!r}; categories: {', '.join(CATEGORIES)}")
            if not FLOOR <= rate <= 1.0:
                raise ValueError(f"{name}: a threshold must be between {FLOOR} and 1, got {rate}")
        return value

    def of(self, category: str) -> float:
        return self.categories.get(category, self.default)

    @classmethod
    def load(cls, path: Path) -> Thresholds:
        try:
            return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise ConfigurationError(f"{path}: {exc}") from exc


@dataclass
class CategoryScore:
    """How one category did."""

    category: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def ran(self) -> int:
        return self.passed + self.failed

    @property
    def rate(self) -> float | None:
        """Passed over cases that ran; None when none ran (every case skipped)."""
        return self.passed / self.ran if self.ran else None


@dataclass
class Summary:
    """Scores per category, in the fixed category order."""

    scores: dict[str, CategoryScore] = field(default_factory=dict)

    @classmethod
    def of(cls, results: list[CaseResult]) -> Summary:
        scores: dict[str, CategoryScore] = {c: CategoryScore(c) for c in CATEGORIES}
        for result in results:
            score = scores.setdefault(result.category, CategoryScore(result.category))
            setattr(score, result.status, getattr(score, result.status) + 1)
        return cls({k: v for k, v in scores.items() if v.ran or v.skipped})

    @property
    def overall(self) -> CategoryScore:
        total = CategoryScore("overall")
        for score in self.scores.values():
            total.passed += score.passed
            total.failed += score.failed
            total.skipped += score.skipped
        return total

    def failing(self, thresholds: Thresholds) -> list[str]:
        """Categories under their threshold (a category where no case ran fails too)."""
        return [
            name
            for name, score in self.scores.items()
            if score.rate is None or score.rate < thresholds.of(name)
        ]

    def rates(self) -> dict[str, float | None]:
        return {name: score.rate for name, score in self.scores.items()}
