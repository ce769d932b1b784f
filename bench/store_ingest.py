"""Benchmark the store's document writes: insert new, re-save unchanged, update changed, stream.

Usage: python bench/store_ingest.py [--n 20000] [--batch-size 1000] [--url sqlite:///...]
Documents are synthetic but shaped like real ones (fixed seed); the default store is a fresh
SQLite file in a temporary directory, migrated as the service would open it.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from exportwatch.model import Document, Kind, SourceLink, Venue
from exportwatch.store import Store

SEED = 20250301
COUNTRIES = ["DE", "FR", "NO", "ID", "BR", "US", "JP", "ZA", "ES", "NL"]
SECTORS = ["food", "machinery", "textiles", "chemicals", "ict", "energy", "health"]
WORDS = [
    "trade",
    "fair",
    "export",
    "finance",
    "regulation",
    "market",
    "sector",
    "buyers",
    "exhibitors",
    "scheme",
]


def make_documents(count: int, rng: random.Random) -> list[Document]:
    """`count` documents of every kind, with realistic field sizes."""
    base = datetime(2025, 1, 1, tzinfo=UTC)
    docs = []
    for number in range(count):
        kind = rng.choice(list(Kind))
        starts = date(2025, 1, 1) + timedelta(days=rng.randrange(700))
        docs.append(
            Document(
                id=f"src{number % 40:02d}:{rng.getrandbits(64):016x}",
                kind=kind,
                title=" ".join(rng.choices(WORDS, k=8)).capitalize(),
                url=f"https://example.org/items/{number}",
                source_id=f"src{number % 40:02d}",
                summary=" ".join(rng.choices(WORDS, k=40)),
                body=" ".join(rng.choices(WORDS, k=250)),
                language=rng.choice(["en", "de", "fr", "es"]),
                published_at=base + timedelta(minutes=rng.randrange(500_000)),
                fetched_at=base + timedelta(days=400),
                starts_on=starts if kind is Kind.EVENT else None,
                ends_on=starts + timedelta(days=3) if kind is Kind.EVENT else None,
                deadline=starts - timedelta(days=30),
                venue=Venue("Messe", "Köln", "DE") if kind is Kind.EVENT else None,
                countries=rng.sample(COUNTRIES, 2),
                sectors=rng.sample(SECTORS, 2),
                hs_codes=[f"{rng.randrange(1, 97):02d}"],
                organizer="Organizer GmbH",
                content_hash=f"{rng.getrandbits(128):032x}",
                links=[SourceLink(f"src{number % 40:02d}", f"https://example.org/items/{number}")],
                extra={"raw_category": rng.choice(WORDS)},
            )
        )
    return docs


def timed(action: Callable[[], int]) -> tuple[int, float]:
    """Run `action` (returning how many documents it handled) and time it."""
    started = time.perf_counter()
    handled = action()
    return handled, time.perf_counter() - started


def run(store: Store, docs: list[Document], batch_size: int) -> list[tuple[str, int, float]]:
    """The phases, each on the whole set: (name, documents, seconds)."""
    changed = [
        dataclasses.replace(d, title=d.title + " (updated)", content_hash="v2" + d.content_hash)
        for d in docs
    ]
    phases: list[tuple[str, Callable[[], int]]] = [
        ("insert-new", lambda: len(store.save_documents(docs, batch_size=batch_size).new)),
        (
            "re-save-unchanged",
            lambda: len(store.save_documents(docs, batch_size=batch_size).unchanged),
        ),
        (
            "update-changed",
            lambda: len(store.save_documents(changed, batch_size=batch_size).changed),
        ),
        ("iter-documents", lambda: sum(1 for _ in store.iter_documents(batch_size=batch_size))),
    ]
    results = []
    for name, action in phases:
        handled, seconds = timed(action)
        if handled != len(docs):
            raise SystemExit(f"{name}: handled {handled} of {len(docs)} documents")
        results.append((name, handled, seconds))
    return results


def main() -> None:
    """Parse options, run the phases on a fresh store, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="documents (default 20000)")
    parser.add_argument("--batch-size", type=int, default=1000, help="documents per transaction")
    parser.add_argument("--url", help="store URL (default: a fresh SQLite file in a temp dir)")
    args = parser.parse_args()

    docs = make_documents(args.n, random.Random(SEED))
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        with Store.from_url(url) as store:
            results = run(store, docs, args.batch_size)
    print(f"store ingest: {args.n} documents, batches of {args.batch_size}, {url.split(':')[0]}")
    print(f"{'phase':<20}{'docs':>8}{'seconds':>10}{'docs/s':>10}")
    for name, handled, seconds in results:
        print(f"{name:<20}{handled:>8}{seconds:>10.2f}{handled / seconds:>10.0f}")


if __name__ == "__main__":
    main()
