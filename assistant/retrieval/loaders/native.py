"""The native catalog format: YAML or JSON whose items are exactly `Product`.

A file is a list of products, ``{"products": [...]}``, or (YAML) a single product mapping.
Each product is validated as a whole; a bad one is skipped with the line where its item starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assistant.retrieval.loaders.file_load import FileLoad, UnreadableFileError
from assistant.retrieval.loaders.source import load_json_items, read_text
from assistant.retrieval.loaders.validation import describe_validation_error
from assistant.retrieval.models import Product

YAML_SUFFIXES = (".yaml", ".yml")
# libyaml's loader is several times faster and keeps the same node marks.
_YamlLoader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


def load_native(path: Path) -> FileLoad:
    """Products from a native YAML or JSON catalog file."""
    load = FileLoad.of(path)
    if path.suffix.lower() in YAML_SUFFIXES:
        items = load_yaml_items(path)
    else:
        items = load_json_items(path, ("products",))
    for item, line in items:
        if not isinstance(item, dict):
            load.skip_row(line, f"not a product: expected a mapping, got {type(item).__name__}")
            continue
        try:
            load.add_product(Product.model_validate(item), line)
        except ValidationError as exc:
            load.skip_row(line, describe_validation_error(exc, _label(item)))
    return load


def load_yaml_items(path: Path) -> list[tuple[Any, int | None]]:
    """The products of a YAML file, each with the line its item starts on."""
    loader = _YamlLoader(read_text(path))
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise UnreadableFileError(path, f"invalid YAML: {exc.problem or exc}", line) from exc
    except yaml.YAMLError as exc:
        raise UnreadableFileError(path, f"invalid YAML: {exc}") from exc
    finally:
        loader.dispose()
    if data is None or node is None:
        return []
    return _items_with_lines(path, data, node)


def _items_with_lines(path: Path, data: Any, node: yaml.Node) -> list[tuple[Any, int | None]]:
    if isinstance(data, dict) and "products" in data and isinstance(node, yaml.MappingNode):
        data = data["products"]
        node = next(value for key, value in node.value if key.value == "products")
    elif isinstance(data, dict):
        return [(data, node.start_mark.line + 1)]  # one product per file
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        reason = 'unexpected YAML shape: expected a list of products or {"products": [...]}'
        raise UnreadableFileError(path, reason, 1)
    return [(item, child.start_mark.line + 1) for item, child in zip(data, node.value, strict=True)]


def _label(item: dict[str, Any]) -> str:
    product_id = item.get("id")
    return f"product {product_id}" if isinstance(product_id, str | int) and product_id else ""
