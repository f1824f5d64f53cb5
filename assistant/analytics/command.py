"""`assistant report`: the analytics report in the terminal, as JSON, or as PNG charts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from assistant.analytics.report import Report, build_report
from assistant.analytics.tables import report_tables
from assistant.config import Settings, get_settings
from assistant.errors import AssistantError
from assistant.store.configured import open_store


def settings_report(settings: Settings, days: int) -> Report:
    """The report over the store the settings describe, counted as the settings say."""
    store = open_store(settings)
    try:
        return build_report(
            store,
            days=days,
            resolved_after_minutes=settings.analytics.resolved_after_minutes,
            baseline=settings.prompts.variant,
        )
    finally:
        store.close()


def report_command(
    days: Annotated[int, typer.Option(min=1, max=366, help="Days to cover, today included.")] = 30,
    png: Annotated[
        Path | None, typer.Option(help="Also write PNG charts into this folder.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON instead of tables.")
    ] = False,
) -> None:
    """Conversations, bot resolution, handoffs, checkout click-through, CSAT and first-response
    time, by channel and prompt variant, with the A/B comparison."""
    out, err = Console(), Console(stderr=True)
    try:
        report = settings_report(get_settings(), days)
    except AssistantError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(code=2) from exc
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        out.print(report_tables(report))
    if png is not None:
        from assistant.analytics.charts import write_charts  # matplotlib loads only when asked

        for path in write_charts(report, png):
            err.print(f"wrote {escape(str(path))}")
