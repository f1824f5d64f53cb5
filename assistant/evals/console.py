"""The terminal view of evals: a table per category, failures, a comparison, the trend."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assistant.evals.records import CaseResult
from assistant.evals.runner import EvalRun
from assistant.evals.summary import Summary, Thresholds


def percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.0%}"


def print_run(console: Console, run: EvalRun, thresholds: Thresholds) -> None:
    """A table per category (each case's outcome), then the summary table."""
    by_category: dict[str, list[CaseResult]] = {}
    for result in run.results:
        by_category.setdefault(result.category, []).append(result)
    for category, results in by_category.items():
        passed = sum(r.status == "passed" for r in results)
        others = [r for r in results if r.status != "passed"]
        if not others:
            console.print(f"[bold]{category}[/]: all {passed} passed")
            continue
        table = Table(title=f"{category}: {passed} of {len(results)} passed", title_justify="left")
        for column in ("case", "channel", "outcome", "first failed assertion / note"):
            table.add_column(column, overflow="fold")
        for r in others:
            colour = "red" if r.status == "failed" else "yellow"
            table.add_row(
                escape(r.case_id), r.channel, f"[{colour}]{r.status}[/]",
                escape(r.first_failure[:300]),
            )  # fmt: skip
        console.print(table)
    print_summary(console, run.summary, thresholds)
    skipped = run.summary.overall.skipped
    if skipped:
        console.print(
            f"[yellow]note:[/] {skipped} case(s) skipped: their shopper words are read from a "
            "dataset that is not available here (see ASSISTANT_EVALS__SHARED_DATA)."
        )
    if any(c.status == "skipped" and c.name.startswith("judge") for r in run.results
           for t in r.turns for c in t.checks):  # fmt: skip
        console.print("[yellow]note:[/] judge rubrics skipped: no judge model configured.")


def print_summary(console: Console, summary: Summary, thresholds: Thresholds) -> None:
    table = Table(title="pass rate per category", title_justify="left")
    for column in ("category", "passed", "failed", "skipped", "rate", "threshold", "gate"):
        table.add_column(column, justify="left" if column == "category" else "right")
    failing = summary.failing(thresholds)
    for name, score in summary.scores.items():
        gate = "[red]FAIL[/]" if name in failing else "[green]ok[/]"
        table.add_row(
            name, str(score.passed), str(score.failed), str(score.skipped),
            percent(score.rate), percent(thresholds.of(name)), gate,
        )  # fmt: skip
    total = summary.overall
    table.add_row(
        "[bold]overall[/]", str(total.passed), str(total.failed), str(total.skipped),
        percent(total.rate), "", "",
    )  # fmt: skip
    console.print(table)


def print_comparison(console: Console, a: EvalRun, b: EvalRun, labels: tuple[str, str]) -> None:
    """Pass rates side by side, then every case whose outcome differs."""
    table = Table(title="comparison", title_justify="left")
    for column in ("category", labels[0], labels[1], "change"):
        table.add_column(column, justify="left" if column == "category" else "right")
    sa, sb = a.summary.scores, b.summary.scores
    for name in dict.fromkeys([*sa, *sb]):
        ra, rb = (sa[name].rate if name in sa else None), (sb[name].rate if name in sb else None)
        change = "" if ra is None or rb is None else f"{(rb - ra) * 100:+.0f} pts"
        table.add_row(name, percent(ra), percent(rb), change)
    console.print(table)
    other = {r.case_id: r for r in b.results}
    changed = Table(title="cases whose outcome differs", title_justify="left")
    for column in ("case", "category", labels[0], labels[1], "why"):
        changed.add_column(column, overflow="fold")
    for result in a.results:
        twin = other.get(result.case_id)
        if twin is not None and twin.status != result.status:
            why = twin.first_failure if twin.status == "failed" else result.first_failure
            changed.add_row(
                escape(result.case_id), result.category, result.status, twin.status,
                escape(why[:200]),
            )  # fmt: skip
    console.print(changed if changed.row_count else "No case changed outcome.")


def print_history(console: Console, runs: list[dict[str, Any]], last: int = 6) -> None:
    """The trend: a row per category, a column per recorded run (the newest on the right)."""
    if not runs:
        console.print("No eval runs recorded yet.")
        return
    shown = runs[-last:]
    categories = list(dict.fromkeys(k for run in shown for k in run.get("rates", {})))
    table = Table(
        title=f"eval history (last {len(shown)} of {len(runs)} runs)", title_justify="left"
    )
    table.add_column("category", no_wrap=True, min_width=len("channel_rendering"))
    for run in shown:
        date = str(run.get("date", ""))[5:16].replace("T", " ")
        head = f"{date}\n{run.get('commit', '')}\n{run.get('model', '')}\n{run.get('variant', '')}"
        table.add_column(escape(head), justify="right")
    table.add_row("[bold]overall[/]", *(percent(run.get("overall")) for run in shown))
    for category in categories:
        table.add_row(category, *(percent(run.get("rates", {}).get(category)) for run in shown))
    console.print(table)
