"""The `assistant` command: ingest the catalog, search it, chat with the assistant."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from assistant.analytics.command import report_command
from assistant.config import Settings, get_settings
from assistant.conversation import Concierge
from assistant.desk import cli as desk_cli
from assistant.errors import AssistantError, IndexMissingError
from assistant.evals.command import eval_command
from assistant.retrieval.index import CatalogIndex, ingest
from assistant.retrieval.loaders.report import CatalogLoad
from assistant.retrieval.search import ProductHit
from assistant.terminal import TerminalChat, chat_json, prompt_lines

STARTUP_TIMEOUT_S = 300
CHANNELS = ("cli", "web", "whatsapp", "messenger", "instagram", "sms")

app = typer.Typer(help="Concierge, the conversational shopping assistant.", no_args_is_help=True)
app.add_typer(desk_cli.agents_app, name="agents")
app.add_typer(desk_cli.customers_app, name="customers")
app.command("report")(report_command)
app.command("eval")(eval_command)  # the code lives in assistant/evals/command.py
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


def _catalog_settings(settings: Settings, catalog: Path | None) -> Settings:
    """Settings for another catalog: its own collections, indexed on first use."""
    if catalog is None:
        return settings
    digest = hashlib.sha1(str(catalog.resolve()).encode(), usedforsecurity=False).hexdigest()[:10]
    changed = settings.model_copy(deep=True)
    changed.catalog.paths = [catalog]
    changed.retrieval.collection_prefix = f"catalog-{digest}"
    return changed


def _concierge(settings: Settings, *, index_first: bool) -> Concierge:
    if index_first:
        _run_ingest(settings, None, rebuild=False)
    try:
        return Concierge.from_settings(settings)
    except IndexMissingError:
        _run_ingest(settings, None, rebuild=False)
        return Concierge.from_settings(settings)


ChannelOption = Annotated[
    str,
    typer.Option(
        "--channel", help="Preview a channel's style: web, whatsapp, messenger, instagram, sms."
    ),
]


@app.command("chat")
def chat_command(
    channel: ChannelOption = "cli",
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Read one message per line, write one JSON reply per line."),
    ] = False,
    catalog: Annotated[
        Path | None, typer.Option(help="Chat over another catalog file or folder.")
    ] = None,
) -> None:
    """Talk to the assistant in the terminal."""
    if channel not in CHANNELS:
        raise typer.BadParameter(f"channel must be one of {', '.join(CHANNELS)}")
    try:
        concierge = _concierge(
            _catalog_settings(get_settings(), catalog), index_first=catalog is not None
        )
    except AssistantError as exc:
        raise _fail(exc) from exc
    if as_json:
        chat_json(concierge, channel, sys.stdin, sys.stdout)  # type: ignore[arg-type]
        return
    _converse(concierge, channel)


def _converse(concierge: Concierge, channel: str) -> None:
    console.print(
        f"[bold green]{escape(concierge.persona)}>[/] {escape(concierge.greeting(channel))}"
    )
    console.print("[dim]Type a message; a number picks a suggestion; Ctrl-D leaves.[/]")
    TerminalChat(concierge, channel, console).run(prompt_lines(console))  # type: ignore[arg-type]


@app.command("serve")
def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (one per core is a good start).")
    ] = 1,
) -> None:
    """Run the HTTP service (web chat API, webhooks, checkout redirects) with uvicorn."""
    import uvicorn

    from assistant import log
    from assistant.api import workers as workers_module
    from assistant.api.app import create_app

    settings = get_settings()
    try:  # fail here, with the fix, rather than in every worker; also migrates the store once
        concierge = _concierge(settings, index_first=False)
    except AssistantError as exc:
        raise _fail(exc) from exc
    log.configure()
    host, port = host or settings.server.host, port or settings.server.port
    keep_alive = max(1, round(settings.server.keep_alive_s))
    if workers == 1:
        uvicorn.run(
            create_app(settings, concierge),
            host=host,
            port=port,
            log_config=None,
            access_log=False,  # RequestContext logs each request once, with its id and time
            proxy_headers=False,  # the app trusts only server.forwarded_allow_ips
            timeout_keep_alive=keep_alive,
        )
        return
    del concierge  # each worker process builds its own from the same settings
    if workers_module.supported():  # a socket per worker: the kernel spreads the connections
        supervisor = workers_module.Supervisor(host, port, workers, keep_alive_s=keep_alive)
        try:
            code = supervisor.run()
        except AssistantError as exc:
            raise _fail(exc) from exc
        raise typer.Exit(code)
    uvicorn.run(
        workers_module.APP,
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_config=None,
        access_log=False,  # RequestContext logs each request once, with its id and time
        proxy_headers=False,  # the app trusts only server.forwarded_allow_ips
        timeout_keep_alive=keep_alive,
        timeout_worker_healthcheck=STARTUP_TIMEOUT_S,  # loading a large catalog takes a while
    )


@app.command("start")
def start_command(channel: ChannelOption = "cli") -> None:
    """Index the catalog (only what changed), then chat with the assistant in the terminal."""
    try:
        concierge = _concierge(get_settings(), index_first=True)
    except AssistantError as exc:
        raise _fail(exc) from exc
    console.print(
        f"[bold]Concierge is ready[/]: {len(concierge.catalog.products.products)} products, "
        f"{len(concierge.catalog.faq.entries)} FAQ entries, "
        f"model {concierge.settings.chat_model()}."
    )
    _converse(concierge, channel)


if __name__ == "__main__":
    app()
