"""Benchmark feed polling: 1,000 feeds on a local server, a cold cycle, then one where 90% are 304.

Usage: python bench/feed_polling.py [--feeds 1000] [--changed 0.1] [--items 10] [--per-host 2]

The feeds are served by the tests' fixture server (tests/mockserver, a threaded HTTP/1.1 server
in this process, with ETags and 304s). Cycle 1 polls every feed unconditionally (all 200, every
feed parsed); then a share of the feeds gets new content and cycle 2 polls again with the
stored validators, so most answers are 304. All feeds are on one host, so the fetcher's
per-host limit is the bottleneck it is in production for a big publisher. The peak RSS is the
whole process (server threads included), reset before each cycle.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fixture server lives in tests/mockserver

from exportwatch.crawlers import (  # noqa: E402
    FeedSource,
    FeedState,
    FetchPolicy,
    PollResult,
    poll_feeds,
    validate_definition,
)
from exportwatch.model import RunStatus  # noqa: E402
from tests.mockserver import FixtureServer  # noqa: E402

SEED = 20250305
TARGET_SECONDS = 10.0
ITEM = """    <item>
      <title>{title}</title>
      <link>https://www.example-trade.org/feeds/{feed}/items/{number}</link>
      <guid isPermaLink="false">feed-{feed}-item-{number}</guid>
      <pubDate>Mon, 03 Mar 2025 {hour:02d}:00:00 +0100</pubDate>
      <category>Trade fairs</category>
      <description>{text}</description>
    </item>
"""
WORDS = [
    "trade",
    "fair",
    "export",
    "finance",
    "regulation",
    "market",
    "buyers",
    "scheme",
    "pavilion",
    "mission",
]


@dataclass
class Cycle:
    """Figures of one polling cycle."""

    name: str
    seconds: float
    statuses: Counter[str]
    items: int
    failed: int
    peak_rss: int

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


def make_feed(feed: int, items: int, version: int, rng: random.Random) -> bytes:
    """An RSS 2.0 feed of `items` entries, about 400 bytes each."""
    entries = "".join(
        ITEM.format(
            title=f"{' '.join(rng.choices(WORDS, k=6)).capitalize()} (v{version})",
            feed=feed,
            number=number,
            hour=number % 24,
            text=" ".join(rng.choices(WORDS, k=40)),
        )
        for number in range(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>\n'
        f"<title>Feed {feed}</title><link>https://www.example-trade.org/{feed}</link>\n"
        f"<description>Benchmark feed</description><ttl>60</ttl>\n{entries}</channel></rss>\n"
    ).encode()


def definitions(server: FixtureServer, count: int) -> list[FeedSource]:
    made = []
    for feed in range(count):
        data = {
            "id": f"feed-{feed:04d}",
            "name": f"Feed {feed}",
            "kind": "event",
            "type": "feed",
            "url": server.url(f"bench/{feed}.rss"),
        }
        definition = validate_definition(data, None)
        assert isinstance(definition, FeedSource)
        made.append(definition)
    return made


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def run_cycle(
    name: str, sources: list[FeedSource], states: dict[str, FeedState], policy: FetchPolicy
) -> tuple[Cycle, list[PollResult]]:
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM restarts from the current RSS
    started = time.perf_counter()
    results = asyncio.run(poll_feeds(sources, states, policy=policy))
    seconds = time.perf_counter() - started
    statuses: Counter[str] = Counter()
    for result in results:
        statuses.update(result.http_statuses)
    failed = sum(1 for result in results if result.status is RunStatus.FAILED)
    items = sum(len(result.items) for result in results)
    return Cycle(name, seconds, statuses, items, failed, status_kib("VmHWM") * 1024), results


def print_table(cycles: list[Cycle], args: argparse.Namespace) -> None:
    print(
        f"\nfeeds={args.feeds} items/feed={args.items} changed={args.changed:.0%} "
        f"per-host={args.per_host} load={os.getloadavg()[0]:.2f} cpus={os.cpu_count()}"
    )
    header = f"{'cycle':<22}{'wall s':>8}{'req/s':>9}{'200':>6}{'304':>6}"
    print(header + f"{'failed':>8}{'items':>8}{'peak RSS MB':>13}")
    for cycle in cycles:
        print(
            f"{cycle.name:<22}{cycle.seconds:>8.2f}{cycle.requests / cycle.seconds:>9.0f}"
            f"{cycle.statuses.get('200', 0):>6}{cycle.statuses.get('304', 0):>6}"
            f"{cycle.failed:>8}{cycle.items:>8}{cycle.peak_rss / 2**20:>13.1f}"
        )
    verdict = "met" if cycles[-1].seconds <= TARGET_SECONDS else "MISSED"
    print(f"target: the 304 cycle within {TARGET_SECONDS:g} s — {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--changed", type=float, default=0.1, help="share changed before cycle 2")
    parser.add_argument("--items", type=int, default=10, help="items per feed")
    parser.add_argument("--per-host", type=int, default=FetchPolicy().per_host)
    args = parser.parse_args()
    rng = random.Random(SEED)
    policy = FetchPolicy(per_host=args.per_host, trust_env=False)
    with FixtureServer() as server:
        for feed in range(args.feeds):
            server.set(f"bench/{feed}.rss", body=make_feed(feed, args.items, 1, rng))
        sources = definitions(server, args.feeds)
        cold, results = run_cycle("1: cold (all 200)", sources, {}, policy)
        states = {result.source_id: result.state for result in results}
        for feed in rng.sample(range(args.feeds), round(args.feeds * args.changed)):
            server.set(f"bench/{feed}.rss", body=make_feed(feed, args.items, 2, rng))
        warm, _ = run_cycle("2: conditional (304)", sources, states, policy)
    print_table([cold, warm], args)


if __name__ == "__main__":
    main()
