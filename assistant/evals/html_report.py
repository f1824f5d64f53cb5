"""The HTML report a brand manager reads: pass rate per category as a chart, then each failing
case's transcript with the failed assertions highlighted. One self-contained file."""

from __future__ import annotations

from html import escape
from pathlib import Path

from assistant.evals.console import percent
from assistant.evals.records import CaseResult, Check, TurnRecord
from assistant.evals.runner import EvalRun
from assistant.evals.summary import Summary, Thresholds

STYLE = (Path(__file__).parent / "report.css").read_text(encoding="utf-8")
BAR_WIDTH = 520


def render_html(run: EvalRun, thresholds: Thresholds) -> str:
    """The whole report as one HTML document."""
    summary = run.summary
    failing = [r for r in run.results if r.status == "failed"]
    skipped = [r for r in run.results if r.status == "skipped"]
    overall = summary.overall
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>Eval report: {escape(run.variant)} on {escape(run.model)}</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Assistant eval report</h1>",
        f"<p class='meta'>{escape(run.started.strftime('%Y-%m-%d %H:%M UTC'))} · model "
        f"<b>{escape(run.model)}</b> · prompt variant <b>{escape(run.variant)}</b> · "
        f"{overall.passed} of {overall.ran} cases passed ({percent(overall.rate)})</p>",
        "<h2>Pass rate per category</h2>",
        _chart(summary, thresholds),
        _table(summary, thresholds),
    ]
    if skipped:
        parts.append(
            f"<p class='note'>{len(skipped)} case(s) were skipped, not passed: their shopper "
            "words come from a dataset that was not available for this run.</p>"
        )
    parts.append(f"<h2>Failing cases ({len(failing)})</h2>")
    parts += [_case(r) for r in failing] or ["<p>Every case that ran passed.</p>"]
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(path: Path, run: EvalRun, thresholds: Thresholds) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(run, thresholds), encoding="utf-8")


def _chart(summary: Summary, thresholds: Thresholds) -> str:
    """Horizontal bars, one per category, with the threshold marked."""
    rows, label_w, row_h = list(summary.scores.values()), 170, 28
    height = row_h * len(rows) + 10
    width = label_w + BAR_WIDTH + 60
    svg = [f"<svg role='img' aria-label='pass rate per category' width='{width}' "
           f"height='{height}' viewBox='0 0 {width} {height}'>"]  # fmt: skip
    for n, score in enumerate(rows):
        y = n * row_h + 5
        rate = score.rate or 0.0
        limit = thresholds.of(score.category)
        colour = "#2f9e62" if score.rate is not None and rate >= limit else "#d64545"
        mark = label_w + limit * BAR_WIDTH
        svg += [
            f"<text x='0' y='{y + 17}'>{escape(score.category)}</text>",
            f"<rect x='{label_w}' y='{y}' width='{BAR_WIDTH}' height='20' fill='#eef2ef'/>",
            f"<rect x='{label_w}' y='{y}' width='{rate * BAR_WIDTH:.1f}' height='20' "
            f"fill='{colour}'/>",
            f"<line x1='{mark:.1f}' x2='{mark:.1f}' y1='{y - 2}' y2='{y + 22}' "
            "stroke='#1f2a24' stroke-width='2'/>",
            f"<text x='{label_w + BAR_WIDTH + 8}' y='{y + 17}'>{percent(score.rate)}</text>",
        ]
    svg.append("</svg>")
    return "".join(svg) + "<p class='meta'>The black mark on each bar is its threshold.</p>"


def _table(summary: Summary, thresholds: Thresholds) -> str:
    failing = summary.failing(thresholds)
    head = "".join(
        f"<th class='{'num' if h != 'category' else ''}'>{h}</th>"
        for h in ("category", "passed", "failed", "skipped", "pass rate", "threshold", "gate")
    )
    body = []
    for name, s in summary.scores.items():
        gate = "<span class='bad'>below</span>" if name in failing else "<span class='ok'>ok</span>"
        cells = (s.passed, s.failed, s.skipped, percent(s.rate), percent(thresholds.of(name)))
        body.append(
            f"<tr><td>{escape(name)}</td>"
            + "".join(f"<td class='num'>{c}</td>" for c in cells)
            + f"<td class='num'>{gate}</td></tr>"
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _case(result: CaseResult) -> str:
    parts = [
        f"<section class='case' id='{escape(result.case_id)}'><h3>{escape(result.case_id)}"
        f"<span class='tag'>{escape(result.category)}</span>"
        f"<span class='tag'>{escape(result.channel)}</span></h3>"
    ]
    if result.source:
        parts.append(f"<p class='meta'>shopper words from {escape(result.source)}</p>")
    if result.note:
        parts.append(f"<p class='note'>{escape(result.note)}</p>")
    parts += [_turn(turn) for turn in result.turns]
    parts.append("</section>")
    return "".join(parts)


MARKS = {"failed": "✗", "passed": "✓", "skipped": "-"}


def _check(check: Check) -> str:
    detail = f": {escape(check.detail[:400])}" if check.detail and check.status != "passed" else ""
    return f"<li class='{check.status}'>{MARKS[check.status]} {escape(check.name)}{detail}</li>"


def _turn(turn: TurnRecord) -> str:
    reply = turn.reply
    extras = [f"product: {escape(c.title)} (${c.price:.2f})" for c in reply.products]
    if reply.checkout_url:
        extras.append(f"checkout: {escape(reply.checkout_url)}")
    if reply.handoff:
        extras.append(f"handed to a person: {escape(reply.handoff.reason)}")
    shown = escape(reply.text) or "<i>(no reply)</i>"
    if extras:
        shown += "<br><small>" + "<br>".join(extras) + "</small>"
    checks = "".join(_check(c) for c in turn.checks)
    return (
        f"<div class='shopper'><span class='who'>shopper</span>{escape(turn.said)}</div>"
        f"<div class='assistant'><span class='who'>assistant</span>{shown}</div>"
        f"<ul class='checks'>{checks}</ul>"
    )
