"""The `assistant` command: ingest the catalog, search it, start the assistant."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from assistant.config import Settings, get_settings
from assistant.errors import AssistantError
from assistant.retrieval.index import CatalogIndex, ingest
from assistant.retrieval.loaders.report import CatalogLoad
from assistant.retrieval.search import ProductHit

app = typer.Typer(help="Concierge, the conversational shopping assistant.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


def _fail(exc: AssistantError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
    return typer.Exit(code=2)


def _run_ingest(settings: Settings, paths: list[Path] | None, rebuild: bool) -> CatalogLoad:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("embedding", total=None)
        load, reports = ingest(
            settings,
            paths,
            rebuild=rebuild,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    for error in load.errors:
        err.print(f"[yellow]skipped[/] {escape(str(error))}", soft_wrap=True)
    err.print(escape(load.summary()), soft_wrap=True)
    for report in reports:
        err.print(f"index {report}")
    return load


@app.command("ingest")
def ingest_command(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Catalog files or folders (default: catalog/)")
    ] = None,
    rebuild: Annotated[
        bool, typer.Option(help="Drop the index and embed everything again.")
    ] = False,
) -> None:
    """Index the catalog and FAQs; re-running only re-embeds what changed."""
    try:
        _run_ingest(get_settings(), paths, rebuild)
    except AssistantError as exc:
        raise _fail(exc) from exc


def _price(hit: ProductHit) -> str:
    prices = [v.price for v in hit.product.variants if v.id in hit.variant_ids] or [
        hit.product.price_min
    ]
    low, high = min(prices), max(prices)
    return f"${low:,.2f}" if low == high else f"${low:,.2f}-${high:,.2f}"


def _stock(hit: ProductHit) -> str:
    chosen = [v for v in hit.product.variants if v.id in hit.variant_ids]
    in_stock = [v for v in chosen if v.in_stock]
    if not in_stock:
        return "[red]sold out[/]"
    return f"[green]in stock[/] ({len(in_stock)} of {len(hit.product.variants)} variants)"


def _print_hits(hits: list[ProductHit]) -> None:
    table = Table(show_lines=False)
    for column in ("#", "product", "category", "price", "availability", "id"):
        table.add_column(column)
    for rank, hit in enumerate(hits, 1):
        table.add_row(
            str(rank),
            hit.product.title,
            hit.product.category,
            _price(hit),
            _stock(hit),
            hit.product.id,
        )
    console.print(table)


@app.command("search")
def search_command(
    query: Annotated[
        str, typer.Argument(help='What a shopper would type, e.g. "waterproof jacket under 200"')
    ],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many results.")] = 8,
    include_sold_out: Annotated[
        bool, typer.Option(help="Also show products with no variant in stock.")
    ] = False,
    faq: Annotated[bool, typer.Option(help="Search the FAQ entries instead of products.")] = False,
) -> None:
    """Rank products (or FAQ entries) for a query, showing the filters it understood."""
    try:
        index = CatalogIndex.open(get_settings())
    except AssistantError as exc:
        raise _fail(exc) from exc
    if faq:
        for hit in index.search_faq(query, k):
            entry = hit.entry
            console.print(f"[bold]{escape(entry.question)}[/] [dim]({escape(entry.id)})[/]")
            console.print(f"{escape(entry.answer)}\n")
        return
    parsed, hits = index.search(query, k, in_stock=not include_sold_out)
    console.print(
        f"[dim]searching for[/] {parsed.text!r} [dim]filters:[/] {parsed.filters.describe()}"
    )
    if not hits:
        console.print("No products match those filters.")
        return
    _print_hits(hits)


def _answer(index: CatalogIndex, line: str) -> None:
    parsed, hits = index.search(line, 5)
    faq = index.search_faq(line, 1)
    product_signal = bool(parsed.understood) or (
        hits and hits[0].similarity >= (faq[0].similarity if faq else 0)
    )
    if faq and not product_signal:
        console.print(f"[bold]{escape(faq[0].entry.question)}[/]\n{escape(faq[0].entry.answer)}")
    elif hits:
        console.print(f"[dim]filters:[/] {escape(parsed.filters.describe())}")
        _print_hits(hits)
    else:
        console.print("I couldn't find anything matching that. Try loosening the budget or size?")


@app.command("start")
def start_command() -> None:
    """Index the catalog if it changed, then answer shoppers' questions in the terminal."""
    settings = get_settings()
    try:
        _run_ingest(settings, None, rebuild=False)
        index = CatalogIndex.open(settings)
    except AssistantError as exc:
        raise _fail(exc) from exc
    console.print(
        f"[bold]Concierge is ready[/]: {len(index.products.products)} products, "
        f"{len(index.faq.entries)} FAQ entries. Ask for a product or a policy; Ctrl-D to leave."
    )
    interactive = sys.stdin.isatty()
    while True:
        try:
            line = console.input("[bold cyan]you>[/] ") if interactive else sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            break
        if not interactive and not line:
            break
        if line.strip():
            _answer(index, line.strip())


if __name__ == "__main__":
    app()
