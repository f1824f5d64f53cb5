"""Turn latency of the offline assistant on a 10,000-product catalog, per turn type.

Run from the repository root: `python benchmarks/turns.py [--products 10000] [--samples 40]`.
The catalog is the demo brand's products cloned (distinct ids, titles and variant ids, prices
shifted a little) up to the requested size, so filters, variants and categories stay realistic.
Each sample is one shopper turn through `Concierge.handle` (retrieval, tools, the offline engine,
grounding, handoff decision); the turns that need context get a fresh conversation first.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.config import Settings  # noqa: E402
from assistant.conversation import Concierge  # noqa: E402
from assistant.messages import InboundMessage  # noqa: E402
from assistant.retrieval.embeddings import LocalMiniLM  # noqa: E402
from assistant.retrieval.index import CatalogIndex  # noqa: E402
from assistant.retrieval.loaders import load_paths  # noqa: E402
from assistant.retrieval.models import Product  # noqa: E402
from assistant.retrieval.query import QueryParser  # noqa: E402
from assistant.retrieval.search import FaqSearch, ProductSearch  # noqa: E402

EDITIONS = [
    "Trail",
    "Summit",
    "Harbor",
    "Alpine",
    "Canyon",
    "Coastal",
    "Ridge",
    "Forest",
    "Desert",
    "Tundra",
]


def grow(products: list[Product], size: int) -> list[Product]:
    """The demo products, then clones with distinct ids, titles and variant ids up to `size`."""
    grown = list(products)
    n = 0
    while len(grown) < size:
        base = products[n % len(products)]
        copy = n // len(products) + 1
        edition = f"{EDITIONS[copy % len(EDITIONS)]} Edition {copy}"
        shift = Decimal(1 + (copy % 7) / 20).quantize(Decimal("0.01"))
        variants = [
            v.model_copy(
                update={
                    "id": f"{v.id}{copy:03d}",
                    "sku": f"{v.sku}-{copy}",
                    "price": (v.price * shift).quantize(Decimal("0.01")),
                }
            )
            for v in base.variants
        ]
        grown.append(
            base.model_copy(
                update={
                    "id": f"{base.id}-{copy}",
                    "title": f"{base.title} ({edition})",
                    "variants": variants,
                }
            )
        )
        n += 1
    return grown


TURNS: dict[str, tuple[list[str], list[str]]] = {
    # turn type: (context turns, measured turns; one sample per measured turn, cycled)
    "greeting": ([], ["hi", "hello there", "hey!"]),
    "search": (
        [],
        [
            "waterproof jacket under $200",
            "size 10 trail runners",
            "merino socks",
            "lightweight 2-person tent",
            "headlamp for running under 60",
            "fleece in green size M",
        ],
    ),
    "product question": (
        ["waterproof jacket under $200"],
        [
            "does the second one come in black?",
            "is it machine washable?",
            "how much does the first one weigh?",
        ],
    ),
    "policy": (
        [],
        [
            "what's your return policy?",
            "do you ship to Canada?",
            "when are you open on Sunday?",
            "can I pay in installments?",
        ],
    ),
    "gift finder": (
        ["I need a gift for my dad"],
        ["around $100, he loves hiking", "under $50, he likes camping"],
    ),
    "comparison": (
        ["lightweight 2-person tent"],
        ["compare the first two", "compare the top three"],
    ),
    "checkout": (
        ["insulated water bottle"],
        ["I'll take the first one", "add two of the first one"],
    ),
    "order status": (["where is my order #W1000002?"], ["daniel.reyes@example.com"]),
    "constraints": (
        [],
        ["tent under two pounds", "sleeping bag rated to 10 degrees", "the lightest tent"],
    ),
    "among shown": (
        ["headlamp"],
        ["which has the longest battery life", "is the first one heavier than the third?"],
    ),
    "handoff": ([], ["can I talk to a person?", "I was charged twice"]),
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _speaker(concierge: Concierge, conversation: str) -> Callable[[str], object]:
    def say(text: str) -> object:
        message = InboundMessage(
            channel="web", sender="bench", text=text, conversation_id=conversation
        )
        return concierge.handle(message)

    return say


def measure(concierge: Concierge, samples: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    counter = 0
    for kind, (context, measured) in TURNS.items():
        timings[kind] = []
        for i in range(samples):
            counter += 1
            conversation = f"bench-{counter}"
            say = _speaker(concierge, conversation)
            for text in context:
                say(text)
            start = time.perf_counter()
            say(measured[i % len(measured)])
            timings[kind].append((time.perf_counter() - start) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()
    demo = load_paths([REPO / "catalog" / "products", REPO / "catalog" / "faq.md"])
    products = grow(demo.products, args.products)
    embedder = LocalMiniLM()
    started = time.perf_counter()
    vectors = embedder.embed([p.search_text() for p in products])
    embed_s = time.perf_counter() - started
    index = CatalogIndex(
        ProductSearch(products, vectors, embedder),
        FaqSearch.build(demo.faqs, embedder),
        QueryParser(products),
    )
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), model="offline", _env_file=None)  # type: ignore[call-arg]
    concierge = Concierge.from_settings(settings, index)
    measure(concierge, 3)  # warm-up: compile graphs, fill caches
    timings = measure(concierge, args.samples)
    print(
        f"Turn latency, offline model, {len(products):,} products, {args.samples} samples per type"
    )
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"catalog embedded in {embed_s:.0f} s (not timed below)"
    )
    print(f"{'turn type':<18} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    everything: list[float] = []
    for kind, values in timings.items():
        everything.extend(values)
        row = (statistics.median(values), percentile(values, 95), max(values))
        print(f"{kind:<18} " + " ".join(f"{v:>8.1f}" for v in row))
    p95 = percentile(everything, 95)
    row = (statistics.median(everything), p95, max(everything))
    print(f"{'all turns':<18} " + " ".join(f"{v:>8.1f}" for v in row))
    print(f"target: p95 < 50 ms per turn: {'met' if p95 < 50 else 'NOT met'} ({p95:.1f} ms)")


if __name__ == "__main__":
    main()
