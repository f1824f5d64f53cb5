"""The report over a seeded run (200 simulated conversations through the service), checked
against counts taken straight from the database with SQL written apart from the report code:
messages, checkout links, clicks and tickets, not the events the report reads."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from assistant.analytics.report import Report, build_report
from assistant.store.models import utcnow
from tests.analytics.seeded import AGENT, CONVERSATIONS, PASSWORD, SeededRun

LATER = timedelta(hours=2)  # every conversation has settled by then
# Two days: "two hours later" may be past midnight UTC, and the report's window starts at a
# midnight; one day would then hold none of the run.
DAYS = 2


@pytest.fixture(scope="module")
def report(seeded_run: SeededRun) -> Report:
    return build_report(
        seeded_run.store,
        days=DAYS,
        now=utcnow() + LATER,
        resolved_after_minutes=30,
        baseline="default",
    )


def _rows(run: SeededRun, sql: str) -> list[Any]:
    with run.store.engine.connect() as connection:
        return list(connection.execute(text(sql)))


def _by(run: SeededRun, sql: str) -> dict[str, int]:
    return {str(key): int(count) for key, count in _rows(run, sql)}


HANDED_OFF = """
    SELECT DISTINCT conversation_id FROM messages
    WHERE direction = 'outbound' AND json_extract(payload, '$.handoff') IS NOT NULL
"""


def test_the_run_mixes_channels_variants_clicks_handoffs_and_ratings(seeded_run: SeededRun) -> None:
    simulated = seeded_run.simulated
    assert len(simulated) == CONVERSATIONS
    assert Counter(s.channel for s in simulated) == {
        "web": 80, "whatsapp": 40, "messenger": 40, "sms": 40,
    }  # fmt: skip
    variants = _by(seeded_run, "SELECT variant, COUNT(*) FROM conversations GROUP BY variant")
    assert set(variants) == {"default", "playful"}
    assert 0.35 < variants["default"] / CONVERSATIONS < 0.65  # a 50/50 split by stable hash
    assert sum(1 for s in simulated if s.links) > 40
    assert sum(1 for s in simulated if s.clicks) > 20
    assert sum(1 for s in simulated if s.rating) >= 15
    assert {s.channel for s in simulated if s.links} == {"web", "whatsapp", "messenger", "sms"}


def test_conversations_per_channel_and_variant_match_the_messages(
    seeded_run: SeededRun, report: Report
) -> None:
    per = """SELECT c.{0}, COUNT(DISTINCT m.conversation_id) FROM messages m
             JOIN conversations c ON c.id = m.conversation_id
             WHERE m.direction = 'inbound' GROUP BY c.{0}"""
    by_channel = _by(seeded_run, per.format("channel"))
    by_variant = _by(seeded_run, per.format("variant"))
    assert sum(by_channel.values()) == report.overall.conversations == CONVERSATIONS
    assert {k: s.conversations for k, s in report.by_channel.items()} == by_channel
    assert {k: s.conversations for k, s in report.by_variant.items()} == by_variant
    ((first, last),) = _rows(
        seeded_run,
        "SELECT MIN(created_at), MAX(created_at) FROM messages WHERE direction = 'inbound'",
    )
    run_days = {datetime.fromisoformat(first).date(), datetime.fromisoformat(last).date()}
    counted = {d.day for d in report.daily if d.conversations}  # a row per day and channel
    assert counted <= run_days and sum(d.conversations for d in report.daily) == CONVERSATIONS


def test_handoffs_and_bot_resolution_match_the_messages(
    seeded_run: SeededRun, report: Report
) -> None:
    handed = {row[0] for row in _rows(seeded_run, HANDED_OFF)}
    answered = {
        row[0]
        for row in _rows(
            seeded_run,
            """SELECT DISTINCT i.conversation_id FROM messages i JOIN messages o
               ON o.conversation_id = i.conversation_id AND o.direction = 'outbound'
               WHERE i.direction = 'inbound' AND i.status = 'processed'""",
        )
    }
    assert report.overall.handed_off == len(handed) > 0
    assert report.overall.resolved_by_bot == len(answered - handed) > 0
    assert report.overall.open == 0  # two hours on, everything has settled
    assert report.overall.handoff_rate == pytest.approx(len(handed) / CONVERSATIONS)
    simulated_handoffs = {
        s.conversation_id for s in seeded_run.simulated if s.script in ("handoff", "rated")
    }
    assert simulated_handoffs <= handed
    for name, segment in report.by_variant.items():
        ids = _by(
            seeded_run,
            f"SELECT id, 1 FROM conversations WHERE variant = '{name}'",
        )
        assert segment.handed_off == len(handed & ids.keys())
    assert sum(report.overall.handoff_reasons.values()) == len(handed)


def test_checkout_links_and_clicks_match_the_link_tables(
    seeded_run: SeededRun, report: Report
) -> None:
    links = _by(seeded_run, "SELECT variant, COUNT(*) FROM checkout_links GROUP BY variant")
    clicked = _by(
        seeded_run,
        """SELECT l.variant, COUNT(DISTINCT c.token) FROM clicks c
           JOIN checkout_links l ON l.token = c.token GROUP BY l.variant""",
    )
    clicks = _rows(seeded_run, "SELECT COUNT(*) FROM clicks")[0][0]
    with_link = _by(
        seeded_run,
        "SELECT variant, COUNT(DISTINCT conversation_id) FROM checkout_links GROUP BY variant",
    )
    converted = _by(
        seeded_run,
        """SELECT l.variant, COUNT(DISTINCT l.conversation_id) FROM checkout_links l
           WHERE EXISTS (SELECT 1 FROM clicks c WHERE c.token = l.token) GROUP BY l.variant""",
    )
    assert report.overall.links_created == sum(links.values())
    assert report.overall.links_created == sum(len(s.links) for s in seeded_run.simulated)
    assert report.overall.clicks == clicks == sum(s.clicks for s in seeded_run.simulated)
    assert report.overall.links_clicked == sum(clicked.values())
    for name, segment in report.by_variant.items():
        assert segment.links_created == links.get(name, 0)
        assert segment.links_clicked == clicked.get(name, 0)
        assert segment.conversations_with_link == with_link.get(name, 0)
        assert segment.conversations_clicked == converted.get(name, 0)
    (comparison,) = report.ab
    assert (comparison.variant, comparison.baseline) == ("playful", "default")
    assert comparison.with_link == with_link["playful"]
    assert comparison.baseline_clicked == converted["default"]
    assert comparison.low <= comparison.difference <= comparison.high


def test_csat_matches_the_tickets_and_what_shoppers_said(
    seeded_run: SeededRun, report: Report
) -> None:
    ratings = _by(
        seeded_run,
        """SELECT csat_rating, COUNT(*) FROM handoff_tickets
           WHERE csat_rating IS NOT NULL GROUP BY csat_rating""",
    )
    given = Counter(str(s.rating) for s in seeded_run.simulated if s.rating)
    assert ratings == dict(given)
    distribution = {str(k): v for k, v in report.overall.csat.distribution.items() if v}
    assert distribution == ratings
    average = sum(int(k) * v for k, v in ratings.items()) / sum(ratings.values())
    assert report.overall.csat.average == pytest.approx(average, abs=0.001)


def test_median_first_response_matches_the_message_times(
    seeded_run: SeededRun, report: Report
) -> None:
    rows = _rows(
        seeded_run,
        """SELECT conversation_id,
                  MIN(CASE WHEN direction = 'inbound' THEN created_at END),
                  MIN(CASE WHEN direction = 'outbound' THEN created_at END)
           FROM messages GROUP BY conversation_id""",
    )
    waits = [
        (datetime.fromisoformat(out) - datetime.fromisoformat(first)).total_seconds()
        for _, first, out in rows
        if out is not None
    ]
    assert report.overall.first_response_median_s is not None
    assert report.overall.first_response_median_s == pytest.approx(
        statistics.median(waits), abs=0.05
    )


def test_the_json_endpoint_needs_an_agent_and_serves_the_same_figures(
    seeded_run: SeededRun,
) -> None:
    with httpx.Client(base_url=seeded_run.url) as client:
        assert client.get("/console/api/analytics").status_code == 401
        login = {"username": AGENT, "password": PASSWORD}
        assert client.post("/console/api/login", json=login).status_code == 200
        assert client.get("/console/api/analytics?days=0").status_code == 422
        data = client.get("/console/api/analytics?days=7").json()
    assert data["overall"]["conversations"] == CONVERSATIONS
    assert data["overall"]["links_created"] == sum(len(s.links) for s in seeded_run.simulated)
    assert set(data["by_channel"]) == {"web", "whatsapp", "messenger", "sms"}
    assert data["ab_baseline"] == "default" and len(data["ab"]) == 1


def test_assistant_report_prints_json_tables_and_charts(
    seeded_run: SeededRun, report: Report, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(seeded_run.settings.data_dir),
        "ASSISTANT_PROMPTS__VARIANTS": '{"default": 0.5, "playful": 0.5}',
        "ASSISTANT_ANALYTICS__RESOLVED_AFTER_MINUTES": "0.05",
        "COLUMNS": "200",
    }
    command = [sys.executable, "-m", "assistant.cli", "report", "--days", "3"]
    done = subprocess.run([*command, "--json"], env=env, capture_output=True, text=True, check=True)
    overall = json.loads(done.stdout)["overall"]
    assert overall["conversations"] == CONVERSATIONS
    for figure in ("links_created", "links_clicked", "clicks", "handed_off", "handoff_reasons"):
        assert overall[figure] == getattr(report.overall, figure)
    assert overall["csat"]["count"] == report.overall.csat.count
    senders = ["+1415555", "1650555", "visitor-", "68432204"]
    assert not [s for s in senders if s in done.stdout]  # no shopper's number in the export
    charts = tmp_path / "charts"
    done = subprocess.run(
        [*command, "--png", str(charts)], env=env, capture_output=True, text=True, check=True
    )
    assert "A/B: checkout click-through against default" in done.stdout
    assert "whatsapp" in done.stdout and "playful" in done.stdout
    pngs = sorted(charts.glob("*.png"))
    assert [p.name for p in pngs] == [
        "ab_click_through.png", "conversations_per_day.png", "csat.png",
        "rates_by_channel.png", "rates_by_variant.png",
    ]  # fmt: skip
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
