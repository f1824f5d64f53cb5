"""The report as rich tables, for `assistant report`."""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Group
from rich.table import Table
from rich.text import Text

from assistant.analytics.report import RATING_SCALE, Report, Segment


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


def report_tables(report: Report) -> Group:
    """Every table of the report, in reading order."""
    return Group(*_parts(report))


def _parts(report: Report) -> Iterator[Text | Table]:
    since, until = report.since.date().isoformat(), report.until.strftime("%Y-%m-%d %H:%M")
    yield Text(f"Conversations from {since} to {until} UTC ({report.days} days)", style="bold")
    yield _segments("By channel", report.overall, report.by_channel)
    yield _segments("By prompt variant", report.overall, report.by_variant)
    yield _reasons(report)
    yield _csat(report)
    yield _daily(report)
    yield _ab(report)


def _segments(title: str, overall: Segment, parts: dict[str, Segment]) -> Table:
    table = Table(title=title, title_justify="left")
    for heading in (
        "", "convs", "bot-resolved", "handed off", "open", "links", "clicked", "click-through",
        "CSAT", "1st reply",
    ):  # fmt: skip
        table.add_column(heading, justify="left" if not heading else "right")
    for name, segment in [("all", overall), *parts.items()]:
        csat = segment.csat
        table.add_row(
            name,
            str(segment.conversations),
            f"{segment.resolved_by_bot} ({percent(segment.resolution_rate)})",
            f"{segment.handed_off} ({percent(segment.handoff_rate)})",
            str(segment.open),
            str(segment.links_created),
            str(segment.links_clicked),
            f"{percent(segment.click_through)} "
            f"({segment.conversations_clicked}/{segment.conversations_with_link})",
            "-" if csat.average is None else f"{csat.average:.2f} (n={csat.count})",
            seconds(segment.first_response_median_s),
            style="bold" if name == "all" else None,
        )
    return table


def _reasons(report: Report) -> Table:
    table = Table(title="Handoff reasons (conversations)", title_justify="left")
    table.add_column("reason")
    variants = list(report.by_variant)
    for column in ("all", *variants):
        table.add_column(column, justify="right")
    reasons = sorted(report.overall.handoff_reasons.items(), key=lambda item: -item[1])
    for reason, count in reasons:
        per_variant = (str(report.by_variant[v].handoff_reasons.get(reason, 0)) for v in variants)
        table.add_row(reason, str(count), *per_variant)
    return table


def _csat(report: Report) -> Table:
    table = Table(title="CSAT distribution (ratings)", title_justify="left")
    table.add_column("rating")
    columns = [("all", report.overall), *report.by_channel.items(), *report.by_variant.items()]
    for name, _ in columns:
        table.add_column(name, justify="right")
    for score in RATING_SCALE:
        table.add_row(str(score), *(str(s.csat.distribution.get(score, 0)) for _, s in columns))
    table.add_row("average", *(_average(s) for _, s in columns), style="bold")
    return table


def _average(segment: Segment) -> str:
    return "-" if segment.csat.average is None else f"{segment.csat.average:.2f}"


def _daily(report: Report) -> Table:
    table = Table(title="Conversations per day (UTC)", title_justify="left")
    channels = list(report.by_channel)
    table.add_column("day")
    for column in (*channels, "total"):
        table.add_column(column, justify="right")
    days: dict[str, dict[str, int]] = {}
    for count in report.daily:
        days.setdefault(count.day.isoformat(), {})[count.channel] = count.conversations
    for day, counts in days.items():
        cells = [str(counts.get(channel, 0)) for channel in channels]
        table.add_row(day, *cells, str(sum(counts.values())))
    return table


def _ab(report: Report) -> Table:
    title = f"A/B: checkout click-through against {report.ab_baseline or 'the baseline'}"
    table = Table(title=title, title_justify="left")
    for heading in ("variant", "click-through", "baseline", "difference", "95% CI", "verdict"):
        table.add_column(heading, justify="left" if heading == "variant" else "right")
    for c in report.ab:
        table.add_row(
            c.variant,
            f"{percent(c.click_through)} ({c.clicked}/{c.with_link})",
            f"{percent(c.baseline_click_through)} ({c.baseline_clicked}/{c.baseline_with_link})",
            f"{c.difference * 100:+.1f} pts",
            f"{c.low * 100:+.1f} to {c.high * 100:+.1f} pts",
            "significant" if c.significant else "not significant",
        )
    return table
