"""Load on the web chat API: concurrent shoppers over real HTTP on loopback, offline model.

Run from the repository root: `python benchmarks/webchat.py [--products 10000] [--workers 2]
[--rate 105] [--shoppers 200] [--seconds 60] [--closed 16] [--same-visit]`.

The service runs as it is deployed: `assistant serve --workers N` in its own processes (SQLite
store in a fresh temporary data directory, the catalog index copied from a cache), and this
process drives it with an asyncio HTTP client. Two runs are printed:

- paced: `--shoppers` conversations at once, together sending `--rate` turns per second. Each
  shopper sends its turns on a fixed schedule (a think time of shoppers/rate seconds); a turn
  that falls behind its schedule is sent at once, and its latency is counted from the time it
  was due, so a slow server cannot hide its queueing (no coordinated omission). Shopper i
  starts (i mod 5) think times late, so at any moment the shoppers are at different steps of
  their visit (a fleet in lockstep would send nothing but searches for one think time, then
  nothing but follow-ups); the turns of that ramp-up (one visit) are sent but not counted.
- saturation: `--closed` shoppers with no think time, each sending its next turn the moment the
  last reply arrives: the most turns per second the service manages, and the latency then.

A visit is VISIT's five steps (a search with a budget, a follow-up on a result, a policy
question, another search, a comparison), its two searches in words of its own (`varied_visit`),
so most searches embed, parse and filter a query the service has not seen, as real traffic
does. `--same-visit` sends VISIT as it is on every visit, where the service's query caches
answer every search after the first few. A visit ends early when the conversation goes to a
person (a search that keeps finding nothing can do that): the bot is then silent, and such
turns are counted apart, not as errors.

The catalog is the demo brand grown to `--products` (see `turns.grow`), indexed once into
`benchmarks/.cache/` (about 3 minutes for 10,000 products on 2 cores), reused afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import aiohttp
import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from turns import grow  # noqa: E402

from assistant.config import CatalogSettings, Settings  # noqa: E402
from assistant.retrieval.index import ingest  # noqa: E402
from assistant.retrieval.loaders import load_paths  # noqa: E402
from assistant.testing.loopback import free_port  # noqa: E402

VISIT = [
    "waterproof jacket under $200",
    "does the second one come in black?",
    "what's your return policy?",
    "merino socks",
    "compare the first two",
]
# The words of each visit's own searches (see `varied_visit`).
KINDS = [
    "rain jacket", "puffy jacket", "fleece hoodie", "softshell jacket", "daypack",
    "backpacking pack", "tent", "sleeping bag", "sleeping pad", "hiking boots",
    "trail running shoes", "base layer", "hiking socks", "beanie", "gloves", "sun hat",
    "headlamp", "water bottle", "camp stove", "cookset", "duffel", "packing cubes",
    "travel pillow", "vest",
]  # fmt: skip
QUALITIES = [
    "waterproof", "lightweight", "warm", "merino", "packable", "insulated", "women's",
    "men's", "kids'", "durable", "ultralight", "breathable", "compact", "cheap", "winter",
]  # fmt: skip
COLOURS = ["black", "blue", "green", "red", "grey", "orange", "navy", "olive"]
FAQ = REPO / "catalog" / "faq.md"
WIDTHS = {0: 7, 1: 7, 6: 7, 7: 10, 8: 10}  # table columns that are not 8 wide


def varied_visit(n: int) -> list[str]:
    """Visit `n`: VISIT's steps with searches of its own (12,960 possible texts for the first
    search, 2,880 for the second), the same for the same `n` on every run."""
    pick = random.Random(n)
    first = f"{pick.choice(QUALITIES)} {pick.choice(KINDS)} under ${pick.randrange(40, 400, 10)}"
    second = f"{pick.choice(QUALITIES)} {pick.choice(KINDS)} in {pick.choice(COLOURS)}"
    return [first, VISIT[1], VISIT[2], second, VISIT[4]]


Visits = Callable[[], list[str]]


@dataclass
class Tally:
    """What one run measured."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    handoffs: int = 0  # counted turns that handed the conversation to a person
    client_cpu_s: float = 0.0  # this process's CPU time over the run
    service_cpu_s: float | None = None  # the service's processes' CPU time (Linux only)


def prepare(products_wanted: int, cache: Path) -> Path:
    """A catalog folder and its index for `products_wanted` products, built once and cached."""
    demo = load_paths([REPO / "catalog" / "products", FAQ])
    products = grow(demo.products, products_wanted)
    text = json.dumps([p.model_dump(mode="json", exclude_none=True) for p in products])
    digest = hashlib.sha256((text + FAQ.read_text()).encode()).hexdigest()[:12]
    home = cache / f"webchat-{products_wanted}-{digest}"
    if (home / "ready").exists():
        return home
    shutil.rmtree(home, ignore_errors=True)
    (home / "catalog").mkdir(parents=True)
    (home / "catalog" / "products.json").write_text(text)
    shutil.copy(FAQ, home / "catalog" / "faq.md")
    print(f"indexing {len(products):,} products into {home} (once)...", file=sys.stderr)
    ingest(_settings(home / "data", home / "catalog"))
    (home / "ready").touch()
    return home


def _settings(data_dir: Path, catalog: Path) -> Settings:
    paths = [catalog / "products.json", catalog / "faq.md"]
    catalog_settings = CatalogSettings(paths=paths)
    return Settings(data_dir=data_dir, catalog=catalog_settings, _env_file=None)  # type: ignore[call-arg]


def start_service(home: Path, workers: int, log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`assistant serve --workers N` on a fresh data directory holding a copy of the index."""
    data = Path(tempfile.mkdtemp(prefix="concierge-webchat-"))
    shutil.copytree(home / "data" / "chroma", data / "chroma")
    port = free_port()
    catalog = home / "catalog"
    env = os.environ | {
        "ASSISTANT_DATA_DIR": str(data),
        "ASSISTANT_MODEL": "offline",
        "ASSISTANT_CATALOG__PATHS": json.dumps([str(catalog / "products.json"), str(FAQ)]),
        "ASSISTANT_SERVER__PUBLIC_URL": f"http://127.0.0.1:{port}",
        # Every simulated shopper comes from 127.0.0.1: lift the per-address limit (the
        # per-conversation one still applies, and the scripted visits stay within it).
        "ASSISTANT_LIMITS__IP_PER_MINUTE": "1000000000",
        "ASSISTANT_LIMITS__IP_BURST": "1000000000",
    }
    command = [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--workers", str(workers)], env=env, stdout=log, stderr=log, cwd=REPO
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the service exited; see {log_path}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    raise SystemExit(f"the service did not become ready; see {log_path}")


class Chat(NamedTuple):
    """A started web chat: where its messages go, and the headers holding its secret."""

    path: str
    headers: dict[str, str]


async def _post(
    client: aiohttp.ClientSession,
    path: str,
    body: dict[str, str],
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    async with client.post(path, json=body, headers=headers) as response:
        return response.status, await response.json()


async def _turn(
    client: aiohttp.ClientSession,
    chat: Chat,
    text: str,
    due: float,
    tally: Tally,
    counted: bool = True,
) -> bool:
    """One turn; False once the conversation went to a person (the bot then stays silent, and
    the shopper waits for the person rather than typing on)."""
    try:
        status, reply = await _post(client, chat.path, {"text": text}, chat.headers)
    except (aiohttp.ClientError, TimeoutError) as exc:
        tally.errors.append(type(exc).__name__)
        return True
    with_person = status == 200 and bool(reply["handoff"] or reply["waiting_for_human"])
    if not counted:  # ramp-up
        return not with_person
    tally.latencies.append((time.perf_counter() - due) * 1000)
    tally.handoffs += with_person
    if status != 200 or not (reply["text"] or with_person):
        tally.errors.append(f"turn {status}")
    return not with_person


async def _visit(client: aiohttp.ClientSession, tally: Tally) -> Chat | None:
    try:
        status, started = await _post(client, "/api/conversations", {})
    except (aiohttp.ClientError, TimeoutError) as exc:
        tally.errors.append(f"start {type(exc).__name__}")
        return None
    if status != 201:
        tally.errors.append(f"start {status}")
        return None
    path = f"/api/conversations/{started['conversation_id']}/messages"
    return Chat(path, {"x-conversation-secret": started["secret"]})


async def paced_shopper(
    client: aiohttp.ClientSession,
    first_due: float,
    period: float,
    stop_at: float,
    tally: Tally,
    count_from: float,
    visits: Visits,
) -> None:
    """Turns due every `period` seconds from `first_due`; latency counts from the due time, for
    the turns due from `count_from` on."""
    due = first_due
    while due < stop_at:
        await asyncio.sleep(max(0.0, due - period / 2 - time.perf_counter()))  # arrives, then
        chat = await _visit(client, tally)  # opens the chat half a think time before typing
        for text in visits():
            if due >= stop_at or chat is None:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            goes_on = await _turn(client, chat, text, due, tally, counted=due >= count_from)
            due += period
            if not goes_on:
                break
        if chat is None:
            due += period


async def closed_shopper(
    client: aiohttp.ClientSession, stop_at: float, tally: Tally, visits: Visits
) -> None:
    """The next turn as soon as the last reply arrives."""
    while time.perf_counter() < stop_at:
        chat = await _visit(client, tally)
        for text in visits():
            if time.perf_counter() >= stop_at or chat is None:
                break
            if not await _turn(client, chat, text, time.perf_counter(), tally):
                break


async def drive(
    url: str,
    seconds: float,
    *,
    shoppers: int,
    rate: float | None,
    service: int = 0,
    visits: Visits = lambda: VISIT,
) -> Tally:
    """Run `shoppers` at once for `seconds`: paced at `rate` turns/s, or closed-loop if None;
    `service` is the service's process id, whose CPU time is measured over the run; `visits`
    gives each new visit its messages."""
    tally = Tally()
    connector = aiohttp.TCPConnector(limit=shoppers)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(url, connector=connector, timeout=timeout) as client:
        started = time.perf_counter()
        if rate is None:
            stop_at = started + seconds
            runs = [closed_shopper(client, stop_at, tally, visits) for _ in range(shoppers)]
        else:
            period = shoppers / rate
            count_from = started + len(VISIT) * period  # after the ramp-up
            stop_at = count_from + seconds
            runs = [
                paced_shopper(
                    client,
                    started + (i % len(VISIT)) * period + i * period / shoppers,
                    period,
                    stop_at,
                    tally,
                    count_from,
                    visits,
                )
                for i in range(shoppers)
            ]
            started = count_from
        counting = asyncio.create_task(_cpu_at(started, service))  # CPU from the counted start
        await asyncio.gather(*runs)
        tally.elapsed = time.perf_counter() - started
        client_cpu, service_cpu = await counting
        tally.client_cpu_s = time.process_time() - client_cpu
        if service_cpu is not None and (now := service_cpu_s(service)) is not None:
            tally.service_cpu_s = now - service_cpu
    return tally


async def _cpu_at(moment: float, service: int) -> tuple[float, float | None]:
    """This process's and the service's CPU time at `moment` (a `perf_counter` time)."""
    await asyncio.sleep(max(0.0, moment - time.perf_counter()))
    return time.process_time(), service_cpu_s(service)


def service_cpu_s(root: int) -> float | None:
    """CPU time (user + system) used so far by process `root` and every process under it, read
    from /proc; None where there is no /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    used: dict[int, tuple[int, float]] = {}  # pid -> (parent pid, CPU seconds)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        used[int(stat.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    if root not in used:
        return None
    tree, grew = {root}, True
    while grew:
        below = {pid for pid, (parent, _) in used.items() if parent in tree} - tree
        tree |= below
        grew = bool(below)
    return sum(used[pid][1] for pid in tree)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def row(label: str, tally: Tally) -> str:
    if not tally.latencies:
        return f"{label:<28} no turn completed ({len(tally.errors)} errors)"
    values = (
        len(tally.latencies) / tally.elapsed,
        statistics.median(tally.latencies),
        percentile(tally.latencies, 95),
        percentile(tally.latencies, 99),
    )
    turns = len(tally.latencies)
    client_ms = 1000 * tally.client_cpu_s / turns
    server = f"{1000 * tally.service_cpu_s / turns:>10.1f}" if tally.service_cpu_s else " " * 10
    return (
        f"{label:<28} {turns:>7} {tally.elapsed:>7.1f} "
        + " ".join(f"{v:>8.1f}" for v in values)
        + f" {len(tally.errors):>7} {server} {client_ms:>10.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="service worker processes")
    parser.add_argument("--rate", type=float, default=105, help="paced run: turns per second")
    parser.add_argument("--shoppers", type=int, default=200, help="paced run: conversations")
    parser.add_argument("--seconds", type=float, default=60, help="length of each run")
    parser.add_argument("--closed", type=int, default=16, help="saturation run: shoppers")
    parser.add_argument("--cache", type=Path, default=REPO / "benchmarks" / ".cache")
    parser.add_argument(
        "--same-visit",
        action="store_true",
        help="every visit sends VISIT's five messages (the workload of figures before "
        "2026-11-29); by default each visit searches with words of its own",
    )
    args = parser.parse_args()
    numbers = itertools.count()
    visits: Visits = (lambda: VISIT) if args.same_visit else (lambda: varied_visit(next(numbers)))

    home = prepare(args.products, args.cache)
    log_path = Path(tempfile.mkdtemp(prefix="concierge-webchat-log-")) / "service.log"
    process, url = start_service(home, args.workers, log_path)
    try:
        asyncio.run(drive(url, 10, shoppers=8, rate=None, visits=visits))  # warm the workers up
        pid, seconds = process.pid, args.seconds
        pacing = drive(
            url, seconds, shoppers=args.shoppers, rate=args.rate, service=pid, visits=visits
        )
        paced = asyncio.run(pacing)
        saturating = drive(
            url, seconds, shoppers=args.closed, rate=None, service=pid, visits=visits
        )
        closed = asyncio.run(saturating)
    finally:
        process.terminate()
        process.wait(timeout=30)

    queries = "the same five messages (--same-visit)" if args.same_visit else "searches of its own"
    print(f"Web chat API load: offline model, {args.products:,} products; each visit: {queries}")
    print(
        f"machine: {os.cpu_count()} cores; `assistant serve --workers {args.workers}`; "
        "SQLite store; loopback HTTP; the load generator shares the machine"
    )
    columns: tuple[str, ...] = ("turns", "seconds", "turns/s", "p50 ms", "p95 ms", "p99 ms")
    columns += ("errors", "service ms", "client ms")
    print(f"{'run':<28} " + " ".join(f"{c:>{WIDTHS.get(i, 8)}}" for i, c in enumerate(columns)))
    print(row(f"paced {args.shoppers} @ {args.rate:g}/s", paced))
    print(row(f"saturation {args.closed} shoppers", closed))
    rate = len(paced.latencies) / paced.elapsed if paced.latencies else 0.0
    p95 = percentile(paced.latencies, 95) if paced.latencies else float("inf")
    verdict = "met" if rate >= 100 and p95 < 150 and not paced.errors else "NOT met"
    print(
        f"target >= 100 turns/s with p95 < 150 ms: {verdict} ({rate:.0f} turns/s, p95 {p95:.0f} ms)"
    )
    if paced.handoffs or closed.handoffs:
        print(
            f"handed to a person (the visit ends there): {paced.handoffs} paced turns, "
            f"{closed.handoffs} saturation turns"
        )
    for errors in (paced.errors, closed.errors):
        if errors:
            print("errors:", sorted(set(errors))[:10])
    print(f"service log: {log_path}")


if __name__ == "__main__":
    main()
