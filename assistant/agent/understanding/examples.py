"""Labelled example utterances per dialogue act, read from YAML files brand teams can extend.

The shipped file is `prompts/understanding/acts.yaml`; a brand adds examples in any
`understanding/acts*.yaml` of its prompts directory (`ASSISTANT_PROMPTS__DIR`). Each file maps
an act (or `unsure`, for messages not to act on) to a list of utterances; every problem names
the file and the act.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import yaml

from assistant.config import PROJECT_ROOT
from assistant.errors import ConfigurationError

Act = Literal[
    "search",
    "refine",
    "superlative",
    "compare",
    "ask_attribute",
    "pick",
    "choose_variant",
    "correct",
    "negate",
    "checkout",
    "policy",
    "order_status",
    "order_problem",
    "gift",
    "greet",
    "thanks",
    "bye",
    "human",
    "out_of_scope",
]
ACTS: tuple[Act, ...] = get_args(Act)
# Not an act: examples of messages to read as unsure (gibberish, other languages, fragments).
Label = Act | Literal["unsure"]
UNSURE: Literal["unsure"] = "unsure"
LABELS: tuple[Label, ...] = (*ACTS, UNSURE)
FOLDER = "understanding"
SHIPPED = PROJECT_ROOT / "prompts" / FOLDER / "acts.yaml"
MAX_EXAMPLE_CHARS = 500


@dataclass(frozen=True)
class Examples:
    """Utterances and their acts, in file order (shipped file first), without duplicates."""

    texts: tuple[str, ...]
    acts: tuple[Label, ...]

    def of(self, act: Label) -> list[str]:
        """The utterances labelled `act`."""
        return [text for text, label in zip(self.texts, self.acts, strict=True) if label == act]


def example_files(prompts_dir: Path | None = None) -> list[Path]:
    """The shipped file, then each `understanding/acts*.yaml` of `prompts_dir` (sorted)."""
    files = [SHIPPED]
    folder = (prompts_dir / FOLDER) if prompts_dir is not None else None
    if folder is not None and folder.is_dir():
        for path in sorted(folder.glob("acts*.yaml")):
            if path.is_file() and path.resolve() != SHIPPED.resolve():
                files.append(path)
    return files


def load_examples(prompts_dir: Path | None = None) -> Examples:
    """The shipped examples plus the brand's, checked; ConfigurationError names a bad file."""
    return merge(read_examples(path) for path in example_files(prompts_dir))


def merge(parts: Iterable[Examples]) -> Examples:
    """Several `Examples` as one; an utterance given twice keeps its first act."""
    seen: dict[str, Label] = {}
    for part in parts:
        for text, act in zip(part.texts, part.acts, strict=True):
            seen.setdefault(text, act)
    missing = [act for act in ACTS if act not in seen.values()]
    if missing:
        raise ConfigurationError(f"no example utterances for act(s): {', '.join(missing)}")
    return Examples(tuple(seen), tuple(seen.values()))


def read_examples(path: Path) -> Examples:
    """One examples file: a mapping of act to a list of non-empty utterances."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: not valid YAML: {exc}") from exc
    if data is None:
        return Examples((), ())
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: expected a mapping of act to example utterances")
    texts: list[str] = []
    acts: list[Label] = []
    for act, utterances in data.items():
        label = _known_act(act, path)
        if not isinstance(utterances, list) or not utterances:
            raise ConfigurationError(f"{path}: {act}: expected a non-empty list of utterances")
        for n, utterance in enumerate(utterances, start=1):
            texts.append(_checked(utterance, f"{path}: {act}: example {n}"))
            acts.append(label)
    return Examples(tuple(texts), tuple(acts))


def normalise(text: str) -> str:
    """How an utterance is compared and embedded: one line, single spaces, lower case."""
    return " ".join(text.split()).lower()


def _known_act(act: object, path: Path) -> Label:
    for known in LABELS:
        if act == known:
            return known
    raise ConfigurationError(f"{path}: unknown act {act!r}; known: {', '.join(LABELS)}")


def _checked(utterance: object, where: str) -> str:
    if not isinstance(utterance, str | int | float) or isinstance(utterance, bool):
        raise ConfigurationError(f"{where}: expected text, got {type(utterance).__name__}")
    text = normalise(str(utterance))
    if not text:
        raise ConfigurationError(f"{where}: empty example")
    if len(text) > MAX_EXAMPLE_CHARS:
        raise ConfigurationError(f"{where}: longer than {MAX_EXAMPLE_CHARS} characters")
    return text
