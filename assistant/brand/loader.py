"""Reading `prompts/` (and one variant over it) into a checked PromptSet, or a clear error.

Only files under the configured directory are read. A variant is a folder in
`prompts/variants/` overriding any of the four files: brand.yaml is merged key by key,
Markdown files are replaced whole. Every problem names the file, and the field or line.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from assistant.brand.models import Brand
from assistant.brand.prompt_set import HandoffTemplates, PromptSet
from assistant.brand.templates import (
    SYSTEM_PLACEHOLDERS,
    check_placeholders,
    parse_handoff,
    strip_comments,
)
from assistant.errors import ConfigurationError

DEFAULT_VARIANT = "default"
PROMPT_FILES = ("brand.yaml", "system.md", "tools.md", "handoff.md")
_VARIANT_NAME = re.compile(r"^[a-z0-9_-]{1,64}$")


def check_variant_name(name: str) -> str:
    """`name` if it is a safe variant name (a-z, 0-9, _ and -), else ConfigurationError."""
    if not isinstance(name, str) or not _VARIANT_NAME.match(name):
        raise ConfigurationError(
            f"invalid prompt variant name {name!r}: use lowercase letters, digits, _ and -"
        )
    return name


def available_variants(directory: Path) -> list[str]:
    """`default` plus every folder in `<directory>/variants/` with a valid name."""
    folder = directory / "variants"
    found = sorted(
        path.name
        for path in (folder.iterdir() if folder.is_dir() else [])
        if path.is_dir() and _VARIANT_NAME.match(path.name) and path.name != DEFAULT_VARIANT
    )
    return [DEFAULT_VARIANT, *found]


def load_prompts(directory: Path, variant: str = DEFAULT_VARIANT) -> PromptSet:
    """Load and check the prompts in `directory`, with `variant` laid over the defaults."""
    check_variant_name(variant)
    if not directory.is_dir():
        raise ConfigurationError(f"prompts directory not found: {directory}")
    base = {name: directory / name for name in PROMPT_FILES}
    overrides = {} if variant == DEFAULT_VARIANT else _variant_files(directory, variant)
    files = {**base, **overrides}

    def label(path: Path) -> str:
        return f"{directory.name}/{path.relative_to(directory).as_posix()}"

    brand_data = _read_yaml(base["brand.yaml"], label(base["brand.yaml"]), required=True)
    variant_brand = overrides.get("brand.yaml")
    variant_data = _read_yaml(variant_brand, label(variant_brand)) if variant_brand else None
    merged = deep_merge(brand_data, variant_data or {})
    try:
        brand = Brand.model_validate(merged)
    except ValidationError as exc:
        sources = [(label(base["brand.yaml"]), brand_data)]
        if variant_brand is not None:
            sources.append((label(variant_brand), variant_data or {}))
        raise _explain(exc, sources) from None
    system = _read_template(files["system.md"], label(files["system.md"]))
    tools = _read_template(files["tools.md"], label(files["tools.md"]))
    handoff = parse_handoff(
        _read_text(files["handoff.md"], label(files["handoff.md"])), label(files["handoff.md"])
    )
    return PromptSet(
        variant=variant,
        brand=brand,
        system_template=system,
        tools_guidance=tools,
        handoff=HandoffTemplates(
            during_hours=handoff["during hours"],
            outside_hours=handoff["outside hours"],
            agent_summary=handoff["agent summary"],
        ),
    )


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` over `base`: mappings merge key by key; lists and scalars are replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _variant_files(directory: Path, variant: str) -> dict[str, Path]:
    root = (directory / "variants").resolve()
    folder = (root / variant).resolve()
    if folder.parent != root:  # a symlink leading out of prompts/variants
        raise ConfigurationError(f"prompt variant {variant!r} points outside {root}")
    if not folder.is_dir():
        raise ConfigurationError(
            f"unknown prompt variant {variant!r}; available: "
            + ", ".join(available_variants(directory))
        )
    files = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):  # editor swap files and the like
            continue
        if path.name in PROMPT_FILES and path.is_file():
            files[path.name] = directory / "variants" / variant / path.name
        elif meant := _misspelt(path.name):
            # other modules keep their own files here (replies.yaml); only near-misses are errors
            raise ConfigurationError(
                f"{directory.name}/variants/{variant}/{path.name}: not a prompt file; "
                f"did you mean {meant}? A variant may override {', '.join(PROMPT_FILES)}"
            )
    return files


def _misspelt(name: str) -> str | None:
    """The prompt file `name` was probably meant to be (brand.yml, Tool.md), if any."""
    stem = name.split(".")[0].lower()
    for known in PROMPT_FILES:
        if name != known and (stem == known.split(".")[0] or _similar(name, known)):
            return known
    return None


def _similar(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(None, a.lower(), b).ratio() >= 0.8


def _read_text(path: Path, label: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigurationError(f"{label}: file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigurationError(f"{label}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ConfigurationError(f"{label}: cannot be read ({exc.strerror})") from None


def _read_template(path: Path, label: str) -> str:
    text = strip_comments(_read_text(path, label))
    check_placeholders(text, SYSTEM_PLACEHOLDERS, label)
    if not text.strip():
        raise ConfigurationError(f"{label}: file is empty")
    return text.strip()


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice (YAML would silently keep the last)."""


def _unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.MarkedYAMLError(
                problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _unique_mapping,
)


def _read_yaml(path: Path, label: str, *, required: bool = False) -> dict[str, Any]:
    text = _read_text(path, label)
    try:
        # _UniqueKeyLoader is a SafeLoader subclass (bandit cannot tell): no objects are built.
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # nosec B506
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        context = f" ({exc.context})" if exc.context else ""
        raise ConfigurationError(f"{label}: {where}YAML error: {exc.problem}{context}") from None
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: e.g. a date like 2025-13-01
        raise ConfigurationError(f"{label}: YAML error: {exc}") from None
    if data is None and not required:
        return {}
    if not isinstance(data, dict):
        raise ConfigurationError(f"{label}: expected a mapping of fields at the top level")
    return data


def _explain(exc: ValidationError, sources: list[tuple[str, dict[str, Any]]]) -> ConfigurationError:
    lines = []
    for error in exc.errors():
        loc = error["loc"]
        where = _dotted(loc)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = _unknown_field(loc)
        lines.append(f"{_source(loc, sources)}: {where + ': ' if where else ''}{message}")
    return ConfigurationError("\n".join(lines))


def _dotted(loc: tuple[int | str, ...]) -> str:
    dotted = ""
    for part in loc:
        dotted += f"[{part}]" if isinstance(part, int) else f"{'.' if dotted else ''}{part}"
    return dotted


def _depth(data: object, loc: tuple[int | str, ...]) -> int:
    depth = 0
    for part in loc:
        if isinstance(data, list) and isinstance(part, int):
            data = dict(enumerate(data))
        if not isinstance(data, dict) or part not in data:
            break
        data = data[part]
        depth += 1
    return depth


def _source(loc: tuple[int | str, ...], sources: list[tuple[str, dict[str, Any]]]) -> str:
    """The file the failing value came from: the variant's when it set (part of) that path."""
    label, data = sources[0]
    if len(sources) > 1:
        variant_label, variant_data = sources[1]
        deepest = _depth(variant_data, loc)
        if deepest and deepest >= _depth(data, loc):
            return variant_label
    return label


def _unknown_field(loc: tuple[int | str, ...]) -> str:
    known = _fields_at(loc[:-1])
    if known is None:
        return "unknown field"
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown field; {hint}fields here: {', '.join(known)}"


def _fields_at(loc: tuple[int | str, ...]) -> list[str] | None:
    model: type[BaseModel] | None = Brand
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model else None
        if field is None:
            return None
        model = _model_in(field.annotation)
    return list(model.model_fields) if model else None


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
