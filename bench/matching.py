"""Benchmark the alert matcher: build time, memory, documents/s and matches/s, per population.

Usage: python bench/matching.py [--subs 10000,100000] [--docs 10000] [--scan-docs 50]
                                [--populations niche,selective,mixed,broad] [--out FILE.md]

Documents come from `bench/corpus.py` (fixed seed); subscriptions are generated here with a
seed, in four populations: *niche* (one sub-sector, one country, one kind, one language),
*selective* (sub-sectors, one or two countries, often a kind, sometimes a keyword or language:
what an SME sets up), *broad* (a top-level sector or none, a grouping or region or none: many
matches each) and *mixed* (80% selective, 20% broad). For
each population and size the matcher is built (timed; its memory measured by tracemalloc in
a second, untimed build), then every document is matched, counting candidates checked and
matches. The *scan* column is the same checks run against every subscription for a sample of
documents, without the index: the subscribers × documents cost the index avoids.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from random import Random

from corpus import GROUPINGS, LANGUAGES, MAJOR_MARKETS, Corpus
from rich.console import Console
from rich.table import Table

from exportwatch.alerts import Matcher
from exportwatch.model import Document, Frequency, Kind, Subscription
from exportwatch.taxonomy import Taxonomy

SEED = 42
TODAY = date(2025, 6, 1)  # documents without a date of their own
REGIONS = ("M49-150", "M49-142", "M49-019", "M49-002", "M49-155", "M49-035")
HOME_COUNTRIES = ("DE", "FR", "NL", "ES", "IT", "NO", "ID", "BR", "PT", "GB")
MB = 1024 * 1024

console = Console()
if not console.is_terminal:
    console.width = 200  # logs and pipes: keep the wide table readable


@dataclass
class Run:
    """What was measured for one population and number of subscriptions."""

    population: str
    subs: int
    docs: int
    build_seconds: float = 0.0
    build_bytes: int = 0
    match_seconds: float = 0.0
    candidates: int = 0
    matches: int = 0
    scan_docs_per_second: float = 0.0

    @property
    def docs_per_second(self) -> float:
        return self.docs / self.match_seconds

    @property
    def matches_per_second(self) -> float:
        return self.matches / self.match_seconds

    @property
    def micros_per_match(self) -> float:
        return 1e6 * self.match_seconds / max(self.matches, 1)


class Population:
    """Seeded subscriptions shaped like real ones, drawn from the real taxonomy."""

    def __init__(self, taxonomy: Taxonomy, seed: int) -> None:
        self.rng = Random(seed)
        self.top = [sector.code for sector in taxonomy.sectors.top_level]
        self.sub_sectors = [sector.code for sector in taxonomy.sectors if sector.parent]
        self.countries = list(MAJOR_MARKETS)
        self.country_weights = list(MAJOR_MARKETS.values())
        self.groupings = list(GROUPINGS)
        self.keywords = {
            language: sorted(
                {kw for sector in taxonomy.sectors for kw in sector.keywords.get(language, ())}
            )
            for language in LANGUAGES
        }

    def make(self, population: str, count: int) -> list[Subscription]:
        makers = {"niche": self._niche, "selective": self._selective, "broad": self._broad}
        subs = []
        for number in range(count):
            shape = population
            if population == "mixed":
                shape = "broad" if self.rng.random() < 0.2 else "selective"
            subs.append(makers[shape](number + 1))
        return subs

    def _niche(self, number: int) -> Subscription:
        rng = self.rng
        return Subscription(
            id=number,
            subscriber_id=number,
            sectors=[rng.choice(self.sub_sectors)],
            markets=rng.choices(self.countries, self.country_weights),
            home_country=rng.choice(HOME_COUNTRIES),
            kinds=[rng.choice(list(Kind))],
            languages=rng.choices(list(LANGUAGES), list(LANGUAGES.values())),
            frequency=Frequency.DAILY,
        )

    def _selective(self, number: int) -> Subscription:
        rng = self.rng
        sectors = rng.sample(self.sub_sectors, rng.choice((1, 1, 2)))
        if rng.random() < 0.2:
            sectors = [sectors[0].split(".")[0]]
        markets = rng.choices(self.countries, self.country_weights, k=rng.choice((1, 1, 2)))
        if rng.random() < 0.1:
            markets = [rng.choice(self.groupings)]
        language = rng.choice(list(LANGUAGES))
        keywords = self.keywords[language]
        return Subscription(
            id=number,
            subscriber_id=number,
            sectors=sectors,
            markets=list(dict.fromkeys(markets)),
            home_country=rng.choice(HOME_COUNTRIES),
            kinds=[rng.choice(list(Kind))] if rng.random() < 0.6 else [],
            keywords=[rng.choice(keywords)] if keywords and rng.random() < 0.15 else [],
            languages=[language] if rng.random() < 0.3 else [],
            frequency=Frequency.DAILY,
        )

    def _broad(self, number: int) -> Subscription:
        rng = self.rng
        markets: list[str] = []
        if rng.random() < 0.7:
            markets = [rng.choice(self.groupings + list(REGIONS))]
        return Subscription(
            id=number,
            subscriber_id=number,
            sectors=[rng.choice(self.top)] if rng.random() < 0.8 else [],
            markets=markets,
            home_country=rng.choice(HOME_COUNTRIES) if rng.random() < 0.5 else None,
            kinds=[rng.choice(list(Kind))] if rng.random() < 0.5 else [],
            frequency=Frequency.WEEKLY,
        )


def measure(
    population: str,
    subs: list[Subscription],
    docs: Sequence[Document],
    taxonomy: Taxonomy,
    scan_docs: int,
) -> Run:
    run = Run(population, len(subs), len(docs))
    gc.collect()
    started = time.perf_counter()
    matcher = Matcher(subs, taxonomy)
    run.build_seconds = time.perf_counter() - started
    run.build_bytes = _built_size(subs, taxonomy)
    gc.collect()
    started = time.perf_counter()
    for document in docs:
        matcher.match(document, TODAY)
    run.match_seconds = time.perf_counter() - started
    run.candidates, run.matches = matcher.stats.candidates, matcher.stats.matches
    run.scan_docs_per_second = _scan(matcher, docs[:scan_docs])
    return run


def _built_size(subs: list[Subscription], taxonomy: Taxonomy) -> int:
    """Bytes the matcher holds once built (a second build, under tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    matcher = Matcher(subs, taxonomy)
    size = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del matcher
    return size


def _scan(matcher: Matcher, docs: Sequence[Document]) -> float:
    """Documents/s when every subscription is checked (the private check the index runs)."""
    started = time.perf_counter()
    for document in docs:
        view = matcher._view(document, TODAY)
        for sub in matcher._subs:
            matcher._check(sub, view)
    return len(docs) / (time.perf_counter() - started)


def report(runs: list[Run]) -> Table:
    table = Table(title=f"Alert matching, {runs[0].docs:,} documents (seed {SEED})")
    columns = [
        "population", "subscriptions", "build s", "build MB", "matches", "matches/doc",
        "checked/doc", "match s", "docs/s", "matches/s", "µs/match", "scan docs/s", "speed-up",
    ]  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column == "population" else "right")
    for run in runs:
        table.add_row(
            run.population,
            f"{run.subs:,}",
            f"{run.build_seconds:.2f}",
            f"{run.build_bytes / MB:.0f}",
            f"{run.matches:,}",
            f"{run.matches / run.docs:,.1f}",
            f"{run.candidates / run.docs:,.1f}",
            f"{run.match_seconds:.2f}",
            f"{run.docs_per_second:,.0f}",
            f"{run.matches_per_second:,.0f}",
            f"{run.micros_per_match:.2f}",
            f"{run.scan_docs_per_second:,.1f}",
            f"{run.docs_per_second / run.scan_docs_per_second:,.0f}×",
        )
    return table


def markdown(runs: list[Run]) -> str:
    head = "| population | subs | build s | build MB | matches | matches/doc | checked/doc |"
    head += " match s | docs/s | matches/s | µs/match | scan docs/s |"
    lines = [head, "|" + "---|" * 12]
    for r in runs:
        lines.append(
            f"| {r.population} | {r.subs:,} | {r.build_seconds:.2f} | {r.build_bytes / MB:.0f} "
            f"| {r.matches:,} | {r.matches / r.docs:,.1f} | {r.candidates / r.docs:,.1f} "
            f"| {r.match_seconds:.2f} | {r.docs_per_second:,.0f} | {r.matches_per_second:,.0f} "
            f"| {r.micros_per_match:.2f} | {r.scan_docs_per_second:,.1f} |"
        )
    return "\n".join(lines) + "\n"


def _sizes(text: str) -> list[int]:
    return [int(part.lower().replace("k", "000")) for part in text.split(",") if part]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subs", default="10000,100000", help="subscriptions, comma-separated")
    parser.add_argument("--docs", type=int, default=10_000, help="documents (default 10000)")
    parser.add_argument("--scan-docs", type=int, default=50, help="documents for the scan")
    parser.add_argument("--populations", default="niche,selective,mixed,broad")
    parser.add_argument("--out", help="also write the table as markdown to this file")
    args = parser.parse_args()
    corpus = Corpus(SEED)
    docs = list(corpus.documents(args.docs))
    console.print(
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; {len(docs):,} documents"
    )
    runs = []
    for population in args.populations.split(","):
        for count in _sizes(args.subs):
            subs = Population(corpus.taxonomy, SEED).make(population, count)
            runs.append(measure(population, subs, docs, corpus.taxonomy, args.scan_docs))
            console.print(f"  {population} {count:,}: done")
    console.print(report(runs))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(markdown(runs))


if __name__ == "__main__":
    main()
