"""The report as PNG charts, for `assistant report --png DIR`: matplotlib figures drawn on the
Agg canvas (no display, no pyplot and its global state, safe in a server process)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from assistant.analytics.report import RATING_SCALE, Report, Segment

RATES = (
    ("resolution_rate", "resolved by bot"),
    ("handoff_rate", "handed off"),
    ("click_through", "checkout click-through (of those given a link)"),
)


def write_charts(report: Report, directory: Path) -> list[Path]:
    """Write every chart of the report into `directory`; return the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    charts = {
        "conversations_per_day.png": _daily,
        "rates_by_channel.png": lambda r: _rates(r.by_channel, "Rates by channel"),
        "rates_by_variant.png": lambda r: _rates(r.by_variant, "Rates by prompt variant"),
        "csat.png": _csat,
        "ab_click_through.png": _ab,
    }
    written = []
    for name, draw in charts.items():
        figure = draw(report)
        path = directory / name
        figure.savefig(path, dpi=110, bbox_inches="tight")
        written.append(path)
    return written


def _figure(width: float = 8.0, height: float = 4.0) -> tuple[Figure, Any]:
    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)  # the raster backend, whatever the process's default
    axes = figure.subplots()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _daily(report: Report) -> Figure:
    figure, axes = _figure(10, 4)
    days = sorted({count.day for count in report.daily})
    bottom = [0] * len(days)
    for channel in report.by_channel:
        counts = {c.day: c.conversations for c in report.daily if c.channel == channel}
        heights = [counts.get(day, 0) for day in days]
        labels = [day.strftime("%m-%d") for day in days]
        axes.bar(labels, heights, bottom=bottom, label=channel)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_title("Conversations per day (UTC), by channel")
    axes.set_ylabel("conversations")
    axes.tick_params(axis="x", labelrotation=60, labelsize=7)
    if report.by_channel:
        axes.legend(frameon=False)
    return figure


def _rates(segments: dict[str, Segment], title: str) -> Figure:
    figure, axes = _figure()
    names = list(segments)
    width = 0.8 / len(RATES)
    for n, (field, label) in enumerate(RATES):
        values = [(getattr(segments[name], field) or 0.0) * 100 for name in names]
        positions = [i + n * width for i in range(len(names))]
        bars = axes.bar(positions, values, width, label=label)
        axes.bar_label(bars, fmt="%.0f%%", fontsize=7)
    axes.set_xticks([i + width for i in range(len(names))], names)
    axes.set_ylim(0, 110)
    axes.set_ylabel("% of conversations")
    axes.set_title(title)
    axes.legend(frameon=False, fontsize=8)
    return figure


def _csat(report: Report) -> Figure:
    figure, axes = _figure(6, 4)
    counts = [report.overall.csat.distribution.get(score, 0) for score in RATING_SCALE]
    axes.bar([str(score) for score in RATING_SCALE], counts, color="#4c72b0")
    average = report.overall.csat.average
    shown = "-" if average is None else f"{average:.2f}"
    axes.set_title(f"CSAT ratings (average {shown}, n={report.overall.csat.count})")
    axes.set_xlabel("rating")
    axes.set_ylabel("ratings")
    return figure


def _ab(report: Report) -> Figure:
    figure, axes = _figure(7, 1.5 + 0.6 * max(1, len(report.ab)))
    for row, comparison in enumerate(report.ab):
        low, high = comparison.low * 100, comparison.high * 100
        middle = comparison.difference * 100
        colour = "#2a7d4f" if comparison.significant else "#555555"
        axes.errorbar(
            middle, row, xerr=[[middle - low], [high - middle]], fmt="o", color=colour, capsize=5
        )
    axes.axvline(0, color="#999999", linewidth=1, linestyle="--")
    axes.set_yticks(range(len(report.ab)), [c.variant for c in report.ab])
    axes.set_ylim(-0.8, max(1, len(report.ab)) - 0.2)
    axes.set_xlabel(f"click-through minus {report.ab_baseline or 'baseline'} (points, 95% CI)")
    axes.set_title("A/B: checkout click-through difference")
    return figure
