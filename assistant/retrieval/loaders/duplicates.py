"""Catalog-wide uniqueness of product, variant and FAQ ids: the first one seen wins."""

from __future__ import annotations

from assistant.retrieval.loaders.file_load import FileLoad
from assistant.retrieval.loaders.report import CatalogLoad
from assistant.retrieval.models import FaqEntry, Product


class DuplicateFilter:
    """Admits each file's items into one load, reporting ids already taken by an earlier item.

    Variant ids must be unique catalog-wide because checkout links use them; a product that
    loses every variant to duplicates is dropped with them.
    """

    def __init__(self) -> None:
        self._products: dict[str, str] = {}
        self._variants: dict[str, str] = {}
        self._faqs: dict[str, str] = {}

    def admit(self, file_load: FileLoad, into: CatalogLoad) -> None:
        """Add `file_load`'s items and errors to `into`, skipping and reporting duplicates."""
        into.files.extend(file_load.files)
        into.errors.extend(
            sorted(file_load.errors, key=lambda e: (e.line is not None, e.line or 0))
        )
        for product, line in file_load.product_rows():
            kept = self._admit_product(product, line, file_load, into)
            if kept is not None:
                into.products.append(kept)
        for faq, line in file_load.faq_rows():
            if self._admit_faq(faq, line, file_load, into):
                into.faqs.append(faq)

    def _admit_product(
        self, product: Product, line: int | None, file_load: FileLoad, into: CatalogLoad
    ) -> Product | None:
        if product.id in self._products:
            first = self._products[product.id]
            reason = f"duplicate product id: {product.id} (first seen in {first})"
            into.skip(file_load.path, line, reason)
            return None
        kept = [v for v in product.variants if v.id not in self._variants]
        taken = [v.id for v in product.variants if v.id in self._variants]
        if not kept:
            first = self._variants[taken[0]]
            ids = ", ".join(taken)
            reason = f"duplicate variant ids: {ids} (first seen in {first})"
            reason += f"; product {product.id} skipped, it has no other variant"
            into.skip(file_load.path, line, reason)
            return None
        for variant_id in taken:
            first = self._variants[variant_id]
            reason = f"duplicate variant id: {variant_id} in product {product.id}"
            into.skip(file_load.path, line, f"{reason} (first seen in {first})")
        where = _where(file_load, line)
        self._products[product.id] = where
        self._variants.update({variant.id: where for variant in kept})
        if len(kept) == len(product.variants):
            return product
        return product.model_copy(update={"variants": kept})

    def _admit_faq(
        self, faq: FaqEntry, line: int | None, file_load: FileLoad, into: CatalogLoad
    ) -> bool:
        if faq.id in self._faqs:
            reason = f"duplicate FAQ id: {faq.id} (first seen in {self._faqs[faq.id]})"
            into.skip(file_load.path, line, reason)
            return False
        self._faqs[faq.id] = _where(file_load, line)
        return True


def _where(load: FileLoad, line: int | None) -> str:
    return f"{load.path}:{line}" if line is not None else str(load.path)
