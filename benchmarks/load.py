"""Load and soak across channels: web chat shoppers and signed WhatsApp, Messenger and SMS
webhooks, on the offline model, over loopback HTTP, every reply delivered to a fake provider.

Run from the repository root: `python benchmarks/load.py [--seconds 60] [--soak-minutes 10]
[--shoppers 16] [--products 2000] [--max-turns 100000]`.

The service runs as it is deployed, in its own process: `python -m assistant.cli serve` (one
process), configured through `ASSISTANT_*` environment variables, on a fresh temporary data
directory (SQLite store) holding a copy of the catalog index, built once into
`benchmarks/.cache/` (shared with webchat.py). Its log goes to a temporary file whose path is
printed. This process is the load generator and runs the fake provider, which keeps a digest per
delivery rather than its body. Half the shoppers use web chat, the rest post webhooks and wait
for the reply at the fake provider. The load phase runs for `--seconds`; the soak phase runs
half as many shoppers for `--soak-minutes` and samples the SERVICE process's memory (VmRSS from
/proc) every few seconds, so neither the load generator nor the fake provider is in it; a probe
inside the service (`probe/sitecustomize.py`, on its PYTHONPATH) samples what its memory holds
(malloc in use and kept free, SQLite, Python's allocated blocks) for the soak's breakdown. After
each phase every channel message is checked against the store the service wrote (opened here to
read) and the provider's record: lost (inbound without a reply, or a reply never delivered) must
be 0, and so must duplicates. Prints one table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pydantic import BaseModel, SecretStr

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from webchat import VISIT, percentile, prepare  # noqa: E402

from assistant.config import CatalogSettings, LimitSettings, Settings  # noqa: E402
from assistant.store import Store  # noqa: E402
from assistant.testing.fake_provider import FakeProvider, serve  # noqa: E402
from assistant.testing.loopback import free_port  # noqa: E402
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
PROBE = REPO / "benchmarks" / "probe"  # its sitecustomize.py samples the service's memory
REPLY_TIMEOUT_S = 60.0
READY_TIMEOUT_S = 300.0
STOP_TIMEOUT_S = 30.0
_senders = itertools.count(1)


def service_settings(home: Path, data_dir: Path, provider_url: str) -> Settings:
    """What the service should run with: the cached catalog, the offline model, every channel
    sending to the fake provider. Built as a `Settings` so `enable_channels` stays the one
    description of the channels; `as_environment` hands it to the service process."""
    catalog = home / "catalog"
    settings = Settings(  # type: ignore[call-arg]
        data_dir=data_dir,
        model="offline",
        catalog=CatalogSettings(paths=[catalog / "products.json", catalog / "faq.md"]),
        # Every shopper here comes from 127.0.0.1: the per-address limit would measure itself.
        limits=LimitSettings(ip_per_minute=1e9, ip_burst=10**9),
        _env_file=None,
    )
    return enable_channels(settings, provider_url)


def as_environment(model: BaseModel, prefix: str = "ASSISTANT_") -> dict[str, str]:
    """The fields set on `model` and on its nested models as `ASSISTANT_GROUP__FIELD`
    variables, the way `Settings` reads them: secrets revealed (the service needs them),
    strings as they are, anything else as JSON. Fields left at their defaults are left out."""
    env: dict[str, str] = {}
    for name in type(model).model_fields:
        value, key = getattr(model, name), f"{prefix}{name.upper()}"
        if isinstance(value, BaseModel):
            env |= as_environment(value, f"{key}__")
        elif name not in model.model_fields_set:
            continue
        elif isinstance(value, SecretStr):
            env[key] = value.get_secret_value()
        elif isinstance(value, str | Path):
            env[key] = str(value)
        else:
            env[key] = json.dumps(value, default=str)
    return env


def start_service(
    settings: Settings, log_path: Path, probe_path: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """`assistant serve` (one process) with `settings` as its environment; waits for /readyz.
    The memory probe (`probe/sitecustomize.py`) samples it from inside into `probe_path`."""
    port = free_port()
    env = os.environ | as_environment(settings)
    env |= {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROBE), os.environ.get("PYTHONPATH")])),
        "CONCIERGE_MEMORY_PROBE": str(probe_path),
        "CONCIERGE_MEMORY_PROBE_EVERY_S": str(RSS_EVERY_S),
    }
    command = [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the service exited ({process.returncode}); see {log_path}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return process, url
        time.sleep(0.5)
    stop_service(process)
    raise SystemExit(f"the service did not become ready; see {log_path}")


def stop_service(process: subprocess.Popen[bytes]) -> None:
    """Ask the service to stop (SIGTERM: uvicorn drains), kill it if it does not in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def rss_mb(pid: int) -> float:
    """The service process's resident memory now (VmRSS, Linux only: the soak needs it)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024  # kB
    raise OSError(f"no VmRSS for process {pid}")


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
        started = response.json()
        path = f"/api/conversations/{started['conversation_id']}/messages"
        headers = {"x-conversation-secret": started["secret"]}
        for text in VISIT:
            if time.perf_counter() >= stop_at or budget[0] <= 0:
                return
            budget[0] -= 1
            started = time.perf_counter()
            try:
                reply = await client.post(path, json={"text": text}, headers=headers)
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
    began_at: float = 0.0  # wall clock (time.time()), to match the memory probe's samples


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


async def watch(deliveries: Deliveries, phase: Phase, pid: int, stop_at: float) -> None:
    """Refresh delivery counts often; sample the service's memory every few seconds."""
    started = last = time.perf_counter()
    phase.memory.append((0.0, rss_mb(pid)))
    while time.perf_counter() < stop_at:
        deliveries.refresh()
        now = time.perf_counter()
        if now - last >= RSS_EVERY_S:
            phase.memory.append((now - started, rss_mb(pid)))
            last = now
        await asyncio.sleep(0.002)


async def run_phase(
    url: str, deliveries: Deliveries, phase: Phase, pid: int, seconds: float, max_turns: int
) -> None:
    """The phase's shoppers against the service at `url` until `seconds` or `max_turns`."""
    budget = [max_turns]
    limits = httpx.Limits(max_connections=phase.shoppers + 4)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        started, phase.began_at = time.perf_counter(), time.time()
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
        watcher = asyncio.create_task(watch(deliveries, phase, pid, stop_at + REPLY_TIMEOUT_S))
        await asyncio.gather(*tasks)
        phase.elapsed = time.perf_counter() - started
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher  # raises what stopped it early (the service gone: no /proc entry)
    phase.memory.append((time.perf_counter() - started, rss_mb(pid)))


def settle(provider: FakeProvider, store: Store, timeout_s: float = 60) -> None:
    """Wait until the service has nothing left to answer or send (bounded)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        audit = audit_deliveries(store, provider)
        if not store.unprocessed_inbound() and audit.delivered >= audit.payloads:
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
    parser.add_argument("--cache", type=Path, default=REPO / "benchmarks" / ".cache")
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        raise SystemExit("the soak reads the service's memory from /proc: Linux only")
    home = prepare(args.products, args.cache)
    data_dir = Path(tempfile.mkdtemp(prefix="concierge-load-"))
    shutil.copytree(home / "data" / "chroma", data_dir / "chroma")
    log_path = data_dir.with_name(f"{data_dir.name}-service.log")
    probe_path = data_dir.with_name(f"{data_dir.name}-memory.jsonl")
    phases = [Phase("load", args.shoppers), Phase("soak", max(2, args.shoppers // 2))]
    provider = channel_provider(compact=True)  # a soak's worth of bodies would be our own leak
    with serve(provider) as provider_url:
        settings = service_settings(home, data_dir, provider_url)
        print(f"service log: {log_path}; data: {data_dir}", file=sys.stderr)
        process, url = start_service(settings, log_path, probe_path)
        try:
            run(args, phases, provider, process.pid, url, data_dir)
        finally:
            stop_service(process)
            shutil.rmtree(data_dir / "chroma", ignore_errors=True)  # a copy; the store stays
    report(args, phases, process.pid, log_path, probe_samples(probe_path, process.pid))


def run(
    args: argparse.Namespace,
    phases: list[Phase],
    provider: FakeProvider,
    pid: int,
    url: str,
    data_dir: Path,
) -> None:
    """Both phases against the running service, each audited on the store it wrote."""
    store = Store.open(f"sqlite:///{data_dir}/assistant.db")  # read only: audits
    try:
        deliveries = Deliveries(provider)
        for phase, seconds in zip(phases, (args.seconds, args.soak_minutes * 60), strict=True):
            asyncio.run(run_phase(url, deliveries, phase, pid, seconds, args.max_turns))
            settle(provider, store)
            phase.audit = audit_deliveries(store, provider)
    finally:
        store.close()


def probe_samples(path: Path, pid: int) -> list[dict[str, float]]:
    """The memory probe's samples of the service process (none if it wrote nothing)."""
    if not path.exists():
        return []
    lines = (json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return [sample for sample in lines if sample.get("pid") == pid]


BREAKDOWN = {  # probe field: (label, bytes per unit)
    "rss_kb": ("RSS", 1024),
    "malloc_used": ("malloc in use", 1),
    "malloc_free": ("malloc kept free", 1),
    "sqlite_bytes": ("SQLite", 1),
}


def breakdown(samples: list[dict[str, float]], since: float) -> list[str]:
    """Where the soak's memory went, from the probe inside the service: each measure at the
    start and end of the soak and its slope over the soak's second half (caches warm), plus
    Python's allocated blocks."""
    soak = [s for s in samples if s["t"] >= since]
    if len(soak) < 6:
        return ["memory probe: too few samples inside the service for a breakdown"]
    half = [s for s in soak if s["t"] >= (soak[0]["t"] + soak[-1]["t"]) / 2]
    lines = []
    for key, (label, unit) in BREAKDOWN.items():
        if key not in soak[0]:
            continue
        whole = [((s["t"] - since), s[key] * unit / 2**20) for s in soak]
        second = [((s["t"] - since), s[key] * unit / 2**20) for s in half]
        lines.append(
            f"  {label:<17} {whole[0][1]:>8.1f} -> {whole[-1][1]:>8.1f} MB, "
            f"second half {slope_mb_per_min(second):+.2f} MB/min"
        )
    blocks = soak[0]["py_blocks"], half[0]["py_blocks"], soak[-1]["py_blocks"]
    lines.append(
        f"  {'Python blocks':<17} {blocks[0]:>8,.0f} -> {blocks[2]:>8,.0f} "
        f"(second half from {blocks[1]:,.0f})"
    )
    return lines


def report(
    args: argparse.Namespace,
    phases: list[Phase],
    pid: int,
    log_path: Path,
    probe: list[dict[str, float]],
) -> None:
    print(
        f"Load across channels: offline model, {args.products:,} products; web chat + signed "
        "WhatsApp/Messenger/SMS webhooks to a fake provider"
    )
    print(
        f"machine: {os.cpu_count()} cores; `assistant serve` in its own process (pid {pid}); "
        "SQLite store; loopback HTTP; load generator and fake provider in this process"
    )
    print(f"memory (RSS, MB/min): the service process only (VmRSS), every {RSS_EVERY_S:g} s")
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
    start, end = soak.memory[0][1], soak.memory[-1][1]
    print(
        f"soak memory (service process): {start:.1f} MB -> {end:.1f} MB over "
        f"{soak.elapsed / 60:.1f} min, slope {slope_mb_per_min(soak.memory):+.2f} MB/min "
        f"({len(soak.memory)} samples); second half {slope_mb_per_min(second_half):+.2f} MB/min, "
        f"{second_half[0][1]:.1f} -> {second_half[-1][1]:.1f} MB"
    )
    print("soak memory, sampled inside the service by the probe:")
    print("\n".join(breakdown(probe, soak.began_at)))
    print(f"service log: {log_path}")


if __name__ == "__main__":
    main()
