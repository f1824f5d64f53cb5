"""Catalog loaders: every format a brand has, read into `Product` and `FaqEntry`.

`load_paths` is the entry point: give it files and folders, get one `CatalogLoad` with the
products, FAQ entries and every skipped row (file, line, reason). Formats and how they are told
apart are described in `assistant.retrieval.loaders.detection`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from assistant.errors import CatalogError
from assistant.retrieval.loaders.csv_products import load_csv_products
from assistant.retrieval.loaders.detection import KNOWN_SUFFIXES, FileFormat, detect_format
from assistant.retrieval.loaders.duplicates import DuplicateFilter
from assistant.retrieval.loaders.faq import load_faq_csv, load_faq_json
from assistant.retrieval.loaders.faq_markdown import load_faq_markdown
from assistant.retrieval.loaders.file_load import FileLoad, UnreadableFileError
from assistant.retrieval.loaders.merchant import load_merchant_tsv, load_merchant_xml
from assistant.retrieval.loaders.native import load_native
from assistant.retrieval.loaders.report import CatalogLoad, RowError
from assistant.retrieval.loaders.shopify import load_shopify_json

__all__ = [
    "CatalogLoad",
    "FileFormat",
    "FileLoad",
    "RowError",
    "detect_format",
    "load_csv_products",
    "load_faq_csv",
    "load_faq_json",
    "load_faq_markdown",
    "load_file",
    "load_merchant_tsv",
    "load_merchant_xml",
    "load_native",
    "load_path",
    "load_paths",
    "load_shopify_json",
]

_Loader = Callable[[Path, str | None], FileLoad]

_LOADERS: dict[FileFormat, _Loader] = {
    "faq_markdown": lambda path, _: load_faq_markdown(path),
    "faq_json": lambda path, _: load_faq_json(path),
    "faq_csv": lambda path, _: load_faq_csv(path),
    "native": lambda path, _: load_native(path),
    "shopify_json": lambda path, shop: load_shopify_json(path, shop_domain=shop),
    "shopify_csv": lambda path, shop: load_csv_products(path, shop_domain=shop),
    "product_csv": lambda path, shop: load_csv_products(path, shop_domain=shop),
    "merchant_tsv": lambda path, _: load_merchant_tsv(path),
    "merchant_xml": lambda path, _: load_merchant_xml(path),
}
_IGNORED_NAMES = frozenset({"readme.md"})
_ORDER_FOLDER = "orders"


def load_paths(paths: Iterable[Path | str], *, shop_domain: str | None = None) -> CatalogLoad:
    """Load every catalog and FAQ file in `paths` (files, or folders walked recursively).

    Bad rows and unreadable files are reported in the result, never raised; ids already seen
    in an earlier file (or earlier in the same file) are reported and skipped.
    Raises CatalogError only for a path that does not exist.
    """
    result = CatalogLoad()
    duplicates = DuplicateFilter()
    for path in _files(paths):
        duplicates.admit(load_file(path, shop_domain=shop_domain), result)
    return result


def load_path(path: Path, *, shop_domain: str | None = None) -> CatalogLoad:
    """`load_paths` for a single file or folder."""
    return load_paths([path], shop_domain=shop_domain)


def load_file(path: Path, *, shop_domain: str | None = None) -> FileLoad:
    """One file in whatever format it is; a file that cannot be parsed becomes one error row."""
    try:
        file_format = detect_format(path)
        if file_format is None:
            failed = FileLoad.of(path)
            failed.skip_row(None, f"unsupported file type: {path.suffix or path.name!r}")
            return failed
        return _LOADERS[file_format](path, shop_domain)
    except UnreadableFileError as exc:
        failed = FileLoad.of(path)
        failed.skip_row(exc.line, exc.reason)
        return failed


def _files(paths: Iterable[Path | str]) -> Iterator[Path]:
    for path in map(Path, paths):
        if path.is_dir():
            yield from _catalog_files(path)
        elif path.is_file():
            yield path
        else:
            raise CatalogError(f"{path}: no such file or directory")


def _catalog_files(folder: Path) -> Iterator[Path]:
    """Files under `folder` in sorted order, minus hidden ones, READMEs and unknown extensions.

    An `orders/` folder holds order data for order lookup, not catalog rows, so it is skipped.
    """
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if (
            any(part.startswith(".") for part in relative.parts)
            or _ORDER_FOLDER in relative.parts[:-1]
        ):
            continue
        if path.name.lower() in _IGNORED_NAMES or path.suffix.lower() not in KNOWN_SUFFIXES:
            continue
        if path.is_file():
            yield path
