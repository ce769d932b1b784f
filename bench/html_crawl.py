"""Benchmark the html crawl: 5,000 generated pages on a local server, crawled in a subprocess.

Usage: python bench/html_crawl.py [--lists 100] [--items 49] [--per-host 2 --per-host 8]

The site is one listing of `--lists` pages (each linking the next) with `--items` items per
page, every item linking a detail page: 100 x (1 + 49) = 5,000 pages by default, about 3 KB
each. They are written to a temporary directory and served by the tests' fixture server
(tests/mockserver, a threaded HTTP/1.1 server in this process). Each row is one
`run_html_crawl` with the production settings (robots.txt, AutoThrottle, retries) and a
policy whose per-host limit is the row's; the peak RSS is the crawl subprocess's own.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fixture server lives in tests/mockserver

from exportwatch.crawlers import HtmlSource, validate_definition  # noqa: E402
from exportwatch.crawlers.fetching import FetchPolicy  # noqa: E402
from exportwatch.crawlers.html_crawl import CrawlOutcome, run_html_crawl  # noqa: E402
from tests.mockserver import FixtureServer  # noqa: E402

SEED = 20250305
WORDS = [
    "trade",
    "fair",
    "export",
    "finance",
    "pavilion",
    "buyers",
    "exhibitors",
    "machinery",
    "food",
    "packaging",
    "energy",
    "textiles",
    "medical",
    "digital",
    "logistics",
    "matchmaking",
    "delegation",
    "market",
    "entry",
    "guarantee",
]
CITIES = ["Cologne", "Dubai", "Jakarta", "São Paulo", "Oslo", "Nairobi", "Hanoi", "Lyon"]
LIST_ITEM = """    <article class="fair">
      <h2><a href="fair-{number}.html">{title}</a></h2>
      <p class="when"><time datetime="2027-{month:02d}-{day:02d}">{day} {month}/2027</time></p>
      <p class="where">{city}</p>
      <ul class="tags"><li>{tag1}</li><li>{tag2}</li></ul>
    </article>
"""
DETAIL = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><header><nav><a href="/">Home</a> <a href="list-0.html">Fairs</a></nav></header>
<main><article><h1>{title}</h1><p class="lead">{lead}</p>
<dl><dt>Venue</dt><dd class="venue">{city} Exhibition Centre</dd>
<dt>Organizer</dt><dd class="organizer">{city} Fairs Ltd</dd></dl>
<div class="description">{body}</div></article></main>
<footer>Example chamber of commerce</footer></body></html>
"""
RULES = {
    "item": "article.fair",
    "link": "h2 a::attr(href)",
    "fields": {
        "title": "h2 a::text",
        "starts": {"xpath": ".//time/@datetime"},
        "location": "p.where::text",
        "categories": {"css": "ul.tags li::text", "multiple": True},
    },
    "pagination": "a.next::attr(href)",
    "detail": {
        "fields": {
            "summary": "p.lead::text",
            "body": "div.description",
            "venue": "dd.venue::text",
            "organizer": "dd.organizer::text",
        }
    },
}


@dataclass
class Row:
    """Figures of one crawl."""

    per_host: int
    outcome: CrawlOutcome

    @property
    def pages_per_second(self) -> float:
        return self.outcome.pages / self.outcome.elapsed


def words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choices(WORDS, k=count))


def write_site(folder: Path, lists: int, items: int) -> None:
    """The listing pages and one detail page per item."""
    rng = random.Random(SEED)
    number = 0
    for page in range(lists):
        entries = []
        for _ in range(items):
            title = f"{words(rng, 3).title()} Expo {number}"
            city = rng.choice(CITIES)
            entries.append(
                LIST_ITEM.format(
                    number=number,
                    title=title,
                    month=rng.randint(1, 12),
                    day=rng.randint(1, 28),
                    city=city,
                    tag1=rng.choice(WORDS),
                    tag2=rng.choice(WORDS),
                )
            )
            body = "".join(f"<p>{words(rng, 60)}.</p>" for _ in range(5))
            detail = DETAIL.format(title=title, lead=words(rng, 25), city=city, body=body)
            (folder / f"fair-{number}.html").write_text(detail, encoding="utf-8")
            number += 1
        following = (
            f'<a class="next" href="list-{page + 1}.html">Next</a>' if page + 1 < lists else ""
        )
        listing = (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>Fairs, page {page + 1}</title></head><body><main>\n"
            + "".join(entries)
            + f'<nav class="pager">{following}</nav></main></body></html>\n'
        )
        (folder / f"list-{page}.html").write_text(listing, encoding="utf-8")


def definition(server: FixtureServer, lists: int) -> HtmlSource:
    data = {
        "id": "bench-fairs",
        "name": "Benchmark fairs",
        "kind": "event",
        "type": "html",
        "url": server.url("bench/list-0.html"),
        "rules": RULES | {"max_pages": lists},
    }
    made = validate_definition(data, None)
    assert isinstance(made, HtmlSource)
    return made


def print_table(rows: list[Row], args: argparse.Namespace) -> None:
    print(
        f"\nlists={args.lists} items/list={args.items} "
        f"load={os.getloadavg()[0]:.2f} cpus={os.cpu_count()}"
    )
    print(
        f"{'per-host':>8} {'pages':>6} {'items':>6} {'seconds':>8} {'pages/s':>8} "
        f"{'peak RSS':>9} {'problems':>8}  error"
    )
    for row in rows:
        outcome = row.outcome
        rss = f"{(outcome.peak_memory or 0) / 2**20:.0f} MB"
        print(
            f"{row.per_host:>8} {outcome.pages:>6} {len(outcome.items):>6} "
            f"{outcome.elapsed:>8.1f} {row.pages_per_second:>8.0f} {rss:>9} "
            f"{len(outcome.problems):>8}  {outcome.error or ''}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=int, default=100, help="list pages (at most 100)")
    parser.add_argument("--items", type=int, default=49, help="items (detail pages) per list")
    parser.add_argument("--per-host", type=int, action="append", help="rows to run (2, 8)")
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="exportwatch-bench-") as folder:
        site = Path(folder) / "bench"
        site.mkdir()
        write_site(site, args.lists, args.items)
        with FixtureServer(Path(folder)) as server:
            for per_host in args.per_host or [2, 8]:
                policy = FetchPolicy(per_host=per_host)
                outcome = run_html_crawl(
                    definition(server, args.lists), policy=policy, timeout=args.timeout
                )
                rows.append(Row(per_host, outcome))
                print(f"per-host {per_host}: {outcome.pages} pages in {outcome.elapsed:.1f} s")
    print_table(rows, args)


if __name__ == "__main__":
    main()
