"""Load and soak across channels: web chat shoppers and signed WhatsApp, Messenger and SMS
webhooks, on the offline model, over loopback HTTP, every reply delivered to a fake provider.

Run from the repository root: `python benchmarks/load.py [--seconds 60] [--soak-minutes 10]
[--shoppers 16] [--products 2000] [--max-turns 100000]`. The service runs in this process
(uvicorn on a loopback port, SQLite in a temporary directory). Half the shoppers use web chat,
the rest post webhooks and wait for the reply at the fake provider. The load phase runs for
`--seconds`; the soak phase runs half as many shoppers for `--soak-minutes` and samples the
process's memory (RSS) every few seconds. After each phase every channel message is checked
against the store and the provider's record: lost (inbound without a reply, or a reply never
delivered) must be 0, and so must duplicates. Prints one table.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from turns import grow  # noqa: E402
from webchat import VISIT, percentile  # noqa: E402

from assistant.api.app import create_app  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.conversation import Concierge  # noqa: E402
from assistant.retrieval.embeddings import LocalMiniLM  # noqa: E402
from assistant.retrieval.index import CatalogIndex  # noqa: E402
from assistant.retrieval.loaders import load_paths  # noqa: E402
from assistant.retrieval.query import QueryParser  # noqa: E402
from assistant.retrieval.search import FaqSearch, ProductSearch  # noqa: E402
from assistant.testing.fake_provider import FakeProvider, serve  # noqa: E402
from assistant.testing.loopback import serve_app  # noqa: E402
from assistant.testing.shoppers import (  # noqa: E402
    CHANNELS,
    ChannelName,
    DeliveryAudit,
    audit_deliveries,
    channel_provider,
    enable_channels,
    recipient,
    sender_id,
    signed_message,
    webhook_path,
)

RSS_EVERY_S = 5.0
REPLY_TIMEOUT_S = 60.0
_senders = itertools.count(1)


def rss_mb() -> float:
    """This process's resident memory now (Linux), else its peak."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(products_wanted: int, data_dir: Path) -> Concierge:
    """The assistant on the demo catalog grown to `products_wanted`, indexed in memory."""
    demo = load_paths([REPO / "catalog" / "products", REPO / "catalog" / "faq.md"])
    products = grow(demo.products, products_wanted)
    embedder = LocalMiniLM()
    vectors = embedder.embed([p.search_text() for p in products])
    index = CatalogIndex(
        ProductSearch(products, vectors, embedder),
        FaqSearch.build(demo.faqs, embedder),
        QueryParser(products),
    )
    settings = Settings(data_dir=data_dir, model="offline", _env_file=None)  # type: ignore[call-arg]
    return Concierge.from_settings(settings, index)


async def shopper(
    client: httpx.AsyncClient,
    stop_at: float,
    budget: list[int],
    latencies: list[float],
    errors: list[str],
) -> None:
    """A web chat shopper: a visit after another, each turn as soon as the last reply came."""
    while time.perf_counter() < stop_at and budget[0] > 0:
        response = await client.post("/api/conversations", json={})
        if response.status_code != 201:
            errors.append(f"start {response.status_code}")
            continue
        path = f"/api/conversations/{response.json()['conversation_id']}/messages"
        for text in VISIT:
            if time.perf_counter() >= stop_at or budget[0] <= 0:
                return
            budget[0] -= 1
            started = time.perf_counter()
            try:
                reply = await client.post(path, json={"text": text})
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            if reply.status_code != 200 or not reply.json()["text"]:
                errors.append(f"turn {reply.status_code}")


class Deliveries:
    """Counts what the fake provider accepted, per recipient, for shoppers waiting on replies."""

    def __init__(self, provider: FakeProvider) -> None:
        self._provider = provider
        self._seen = 0
        self.counts: dict[str, int] = {}

    def refresh(self) -> None:
        records = self._provider.requests
        while self._seen < len(records) and records[self._seen].status:
            record = records[self._seen]
            if 200 <= record.status < 300:
                to = recipient(record)
                self.counts[to] = self.counts.get(to, 0) + 1
            self._seen += 1


@dataclass
class Phase:
    """What one phase measured."""

    name: str
    shoppers: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    memory: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MB)
    audit: DeliveryAudit | None = None


async def channel_shopper(
    client: httpx.AsyncClient,
    channel: ChannelName,
    deliveries: Deliveries,
    stop_at: float,
    budget: list[int],
    phase: Phase,
) -> None:
    """A shopper on a messaging channel: one visit per sender id, each message waits its reply."""
    while time.perf_counter() < stop_at and budget[0] > 0:
        sender = sender_id(channel, next(_senders))
        for text in VISIT:
            if time.perf_counter() >= stop_at or budget[0] <= 0:
                return
            budget[0] -= 1
            before = deliveries.counts.get(sender, 0)
            webhook = signed_message(channel, sender, text)
            started = time.perf_counter()
            try:
                response = await client.post(
                    webhook_path(channel), content=webhook.body, headers=webhook.headers
                )
            except httpx.HTTPError as exc:
                phase.errors.append(f"{channel} {type(exc).__name__}")
                continue
            if response.status_code != 200:
                phase.errors.append(f"{channel} {response.status_code}")
                continue
            while deliveries.counts.get(sender, 0) <= before:
                if time.perf_counter() - started > REPLY_TIMEOUT_S:
                    phase.errors.append(f"{channel} no reply")
                    break
                await asyncio.sleep(0.005)
            else:
                phase.latencies.append((time.perf_counter() - started) * 1000)


async def watch(deliveries: Deliveries, phase: Phase, stop_at: float) -> None:
    """Refresh delivery counts often; sample memory every few seconds."""
    started = last = time.perf_counter()
    phase.memory.append((0.0, rss_mb()))
    while time.perf_counter() < stop_at:
        deliveries.refresh()
        now = time.perf_counter()
        if now - last >= RSS_EVERY_S:
            phase.memory.append((now - started, rss_mb()))
            last = now
        await asyncio.sleep(0.002)
    phase.memory.append((time.perf_counter() - started, rss_mb()))


async def run_phase(
    url: str, deliveries: Deliveries, phase: Phase, seconds: float, max_turns: int
) -> None:
    budget = [max_turns]
    limits = httpx.Limits(max_connections=phase.shoppers + 4)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        stop_at = started + seconds
        web = phase.shoppers // 2
        channels = itertools.cycle(CHANNELS)
        tasks = [
            shopper(client, stop_at, budget, phase.latencies, phase.errors) for _ in range(web)
        ]
        tasks += [
            channel_shopper(client, next(channels), deliveries, stop_at, budget, phase)
            for _ in range(phase.shoppers - web)
        ]
        watcher = asyncio.create_task(watch(deliveries, phase, stop_at + REPLY_TIMEOUT_S))
        await asyncio.gather(*tasks)
        phase.elapsed = time.perf_counter() - started
        watcher.cancel()


def settle(provider: FakeProvider, concierge_store: object, timeout_s: float = 60) -> None:
    """Wait until the outbox has nothing left to send (bounded)."""
    from assistant.store import Store

    assert isinstance(concierge_store, Store)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        audit = audit_deliveries(concierge_store, provider)
        if not concierge_store.unprocessed_inbound() and audit.delivered >= audit.payloads:
            return
        time.sleep(0.5)


def slope_mb_per_min(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of memory over time."""
    if len(samples) < 3:
        return 0.0
    xs, ys = [s / 60 for s, _ in samples], [mb for _, mb in samples]
    return statistics.linear_regression(xs, ys).slope


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--products", type=int, default=2_000)
    parser.add_argument("--shoppers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--soak-minutes", type=float, default=10)
    parser.add_argument("--max-turns", type=int, default=100_000)
    args = parser.parse_args()
    concierge = build(args.products, Path(tempfile.mkdtemp()))
    settings = concierge.settings
    # Every shopper here comes from 127.0.0.1: the per-address limit would measure itself.
    settings.limits.ip_per_minute, settings.limits.ip_burst = 1e9, 10**9
    provider = channel_provider()
    phases = [
        Phase("load", args.shoppers),
        Phase("soak", max(2, args.shoppers // 2)),
    ]
    with serve(provider) as provider_url:
        enable_channels(settings, provider_url)
        app = create_app(settings, concierge)
        with serve_app(app, name="concierge") as url:
            deliveries = Deliveries(provider)
            for phase, seconds in zip(phases, (args.seconds, args.soak_minutes * 60), strict=True):
                asyncio.run(run_phase(url, deliveries, phase, seconds, args.max_turns))
                settle(provider, concierge.store)
                phase.audit = audit_deliveries(concierge.store, provider)
    report(args, phases)


def report(args: argparse.Namespace, phases: list[Phase]) -> None:
    print(
        f"Load across channels: offline model, {args.products:,} products; web chat + signed "
        "WhatsApp/Messenger/SMS webhooks to a fake provider"
    )
    print(f"machine: {os.cpu_count()} cores; one uvicorn process; SQLite store; loopback HTTP")
    columns = ["phase", "shoppers", "turns", "seconds", "turns/s", "p50 ms", "p95 ms", "p99 ms"]
    columns += ["errors", "lost", "dupes", "RSS start", "RSS end", "MB/min"]
    print(" ".join(f"{c:>9}" for c in columns))
    for phase in phases:
        lat = phase.latencies or [0.0]
        audit = phase.audit or DeliveryAudit()
        start, end = phase.memory[0][1], phase.memory[-1][1]
        cells = (
            f"{phase.name:>9} {phase.shoppers:>9} {len(phase.latencies):>9} "
            f"{phase.elapsed:>9.1f} {len(phase.latencies) / max(phase.elapsed, 1e-9):>9.1f} "
            f"{statistics.median(lat):>9.1f} {percentile(lat, 95):>9.1f} "
            f"{percentile(lat, 99):>9.1f} {len(phase.errors):>9} {audit.lost:>9} "
            f"{audit.duplicates:>9} {start:>9.1f} {end:>9.1f} "
            f"{slope_mb_per_min(phase.memory):>9.2f}"
        )
        print(cells)
    for phase in phases:
        audit = phase.audit or DeliveryAudit()
        print(
            f"{phase.name}: channel messages {audit.inbound} (cumulative), "
            f"replies {audit.replies}, "
            f"payloads queued {audit.payloads}, delivered {audit.delivered}, "
            f"out of order {len(audit.out_of_order)}; errors {sorted(set(phase.errors))[:5]}"
        )
    soak = phases[-1]
    second_half = [s for s in soak.memory if s[0] >= soak.memory[-1][0] / 2]  # caches are warm
    print(
        f"soak memory: {soak.memory[0][1]:.1f} MB -> {soak.memory[-1][1]:.1f} MB over "
        f"{soak.elapsed / 60:.1f} min, slope {slope_mb_per_min(soak.memory):+.2f} MB/min "
        f"({len(soak.memory)} samples); second half {slope_mb_per_min(second_half):+.2f} MB/min, "
        f"{second_half[0][1]:.1f} -> {second_half[-1][1]:.1f} MB"
    )


if __name__ == "__main__":
    main()
