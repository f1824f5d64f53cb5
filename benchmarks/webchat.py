"""Load on the web chat API: concurrent shoppers over real HTTP on loopback, offline model.

Run from the repository root: `python benchmarks/webchat.py [--products 10000] [--shoppers 16]
[--seconds 60] [--max-turns 5000]`. The service runs in this process (uvicorn on a loopback
port, SQLite store in a temporary directory); each shopper opens a conversation and plays a
short scripted visit, again and again, until the time or turn budget is spent. Prints turns/s,
latency percentiles and errors.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from turns import grow  # noqa: E402

from assistant.api.app import create_app  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.conversation import Concierge  # noqa: E402
from assistant.retrieval.embeddings import LocalMiniLM  # noqa: E402
from assistant.retrieval.index import CatalogIndex  # noqa: E402
from assistant.retrieval.loaders import load_paths  # noqa: E402
from assistant.retrieval.query import QueryParser  # noqa: E402
from assistant.retrieval.search import FaqSearch, ProductSearch  # noqa: E402
from assistant.testing.loopback import serve_app  # noqa: E402

VISIT = [
    "waterproof jacket under $200",
    "does the second one come in black?",
    "what's your return policy?",
    "merino socks",
    "compare the first two",
]


def build(products_wanted: int, data_dir: Path) -> Concierge:
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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def drive(
    url: str, shoppers: int, seconds: float, max_turns: int
) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    budget = [max_turns]
    limits = httpx.Limits(max_connections=shoppers)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        started = time.perf_counter()
        stop_at = started + seconds
        await asyncio.gather(
            *(shopper(client, stop_at, budget, latencies, errors) for _ in range(shoppers))
        )
        return latencies, errors, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--shoppers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-turns", type=int, default=5_000)
    args = parser.parse_args()
    concierge = build(args.products, Path(tempfile.mkdtemp()))
    app = create_app(concierge.settings, concierge)
    with serve_app(app, name="concierge") as url:
        asyncio.run(drive(url, 2, 5, 20))  # warm-up
        latencies, errors, elapsed = asyncio.run(
            drive(url, args.shoppers, args.seconds, args.max_turns)
        )
    report(args, latencies, errors, elapsed)


def report(
    args: argparse.Namespace, latencies: list[float], errors: list[str], elapsed: float
) -> None:
    print(f"Web chat API load: offline model, {args.products:,} products, {args.shoppers} shoppers")
    print(f"machine: {os.cpu_count()} cores; one uvicorn process; SQLite store; loopback HTTP")
    columns = ("turns", "seconds", "turns/s", "p50 ms", "p95 ms", "p99 ms", "errors")
    print(" ".join(f"{c:>8}" for c in columns))
    if not latencies:
        print("no turn completed")
        return
    rate = len(latencies) / elapsed
    p95 = percentile(latencies, 95)
    values = (rate, statistics.median(latencies), p95, percentile(latencies, 99))
    print(
        f"{len(latencies):>8} {elapsed:>8.1f} "
        + " ".join(f"{v:>8.1f}" for v in values)
        + f" {len(errors):>8}"
    )
    verdict = "met" if rate >= 100 and p95 < 150 else "NOT met"
    print(f"target >= 100 turns/s, p95 < 150 ms: {verdict} ({rate:.0f} turns/s, p95 {p95:.0f} ms)")
    if errors:
        print("errors:", sorted(set(errors))[:10])


if __name__ == "__main__":
    main()
