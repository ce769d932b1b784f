"""Benchmark the search and document pages: server time per request at a given corpus size.

Usage: python bench/web_pages.py [--docs 100000] [--requests 100] [--out FILE.md]

In a fresh temp dir, documents from `bench/corpus.py` (fixed seed) are saved to the SQLite store
in batches and the outbox is drained into the embedded index with `sync_outbox`, as in
`bench/search.py`. Then a fixed seeded mix of `GET /` (empty, text, text+filters,
filters+facets, deep page) and `GET /documents/{id}` is timed in-process through FastAPI's
TestClient: template rendering, facets, labels and highlighting included. Target: every page
under 200 ms (issue 7).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from random import Random
from typing import Any
from urllib.parse import quote, urlencode

from corpus import LANGUAGES, Corpus
from fastapi.testclient import TestClient

from exportwatch.search.sync import sync_outbox
from exportwatch.services import Services, open_services
from exportwatch.settings import Settings
from exportwatch.web import create_app
from exportwatch.web.document_page import router as document_router
from search import filters, make_text

ROOT = Path(__file__).resolve().parent.parent
SEED = 42
WARMUP = 10  # untimed requests per class
TARGET_MS = 200.0
DOCUMENT_ROUTE = "/documents/{document_id:path}"
CLASSES = ("empty", "text", "text+filters", "filters+facets", "deep page", "document")


def make_settings(data_dir: Path) -> Settings:
    """Settings on `data_dir` with the shipped taxonomy and sources; the embedded index."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        config_dir=ROOT / "config",
        sources_dir=ROOT / "config" / "sources",
        secret_key="bench-secret-key",  # type: ignore[arg-type]
    )


def ingest(services: Services, corpus: Corpus, n: int, batch_size: int) -> list[str]:
    """Save `n` corpus documents to the store and sync them into the index; returns the ids."""
    ids: list[str] = []
    documents = corpus.documents(n)
    started = time.perf_counter()
    while batch := list(islice(documents, batch_size)):
        services.store.save_documents(batch, batch_size=batch_size)
        ids.extend(document.id for document in batch)
        print(f"\rstored {len(ids):,} of {n:,}", end="", file=sys.stderr)
    print(f"\nstore: {time.perf_counter() - started:.0f} s; syncing index…", file=sys.stderr)
    started = time.perf_counter()
    report = sync_outbox(services.store, services.index)
    if not report.ok:
        raise SystemExit(f"sync failed: {report.error}")
    print(f"index: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return ids


def make_urls(corpus: Corpus, ids: list[str], count: int, seed: int) -> dict[str, list[str]]:
    """`count` URLs per class, the same for the same seed."""
    rng = Random(seed)
    languages, weights = list(LANGUAGES), list(LANGUAGES.values())

    def text(words: int = 3) -> str:
        return make_text(corpus, rng, rng.choices(languages, weights)[0], words)

    def url(**params: Any) -> str:
        return "/?" + urlencode(params, doseq=True)

    return {
        "empty": ["/"] * count,
        "text": [url(q=text()) for _ in range(count)],
        "text+filters": [url(q=text(2), **filter_params(rng)) for _ in range(count)],
        "filters+facets": [
            url(sort=rng.choice(["relevance", "date", "soonest"]), **filter_params(rng))
            for _ in range(count)
        ],
        "deep page": [
            url(q=corpus.query_word(rng, "en"), upcoming="false", page=rng.randint(20, 50))
            for _ in range(count)
        ],
        "document": [f"/documents/{quote(rng.choice(ids), safe='')}" for _ in range(count)],
    }


def filter_params(rng: Random) -> dict[str, Any]:
    """`bench/search.py`'s filter mix as URL parameters."""
    chosen = filters(rng)
    params: dict[str, Any] = {}
    if "kinds" in chosen:
        params["kind"] = [kind.value for kind in chosen["kinds"]]
    for name, param in (("sectors", "sector"), ("markets", "market")):
        if name in chosen:
            params[param] = list(chosen[name])
    if "date_from" in chosen:
        params["from"] = chosen["date_from"].isoformat()
        params["to"] = chosen["date_to"].isoformat()
    if chosen.get("upcoming") is False or rng.random() < 0.3:
        params["upcoming"] = "false"
    return params


def time_urls(client: TestClient, urls: list[str]) -> tuple[list[float], list[float], int]:
    """Wall and CPU seconds per request (after `WARMUP` untimed ones), and non-200 answers.

    CPU time (the whole process: client and server threads) stays meaningful on a loaded
    machine, where wall time also counts waiting for a core.
    """
    for url in urls[:WARMUP]:
        client.get(url)
    wall, cpu, failures = [], [], 0
    for url in urls:
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        failures += response.status_code != 200
        if response.status_code != 200:
            print(f"{response.status_code} {url}", file=sys.stderr)
    return wall, cpu, failures


def table(rows: list[list[str]]) -> str:
    """A markdown table of the results."""
    headers = ["page", "requests", "p50 ms", "p95 ms", "max ms"]
    headers += ["CPU p50", "CPU p95", "CPU max", "non-200"]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def row(name: str, wall: list[float], cpu: list[float], failures: int) -> list[str]:
    """Wall p50, p95, max and CPU p50, p95 in milliseconds for one class."""
    ms, cpu_ms = sorted(v * 1000 for v in wall), sorted(v * 1000 for v in cpu)
    figures = [*percentiles(ms), f"{ms[-1]:.1f}", *percentiles(cpu_ms), f"{cpu_ms[-1]:.1f}"]
    return [name, str(len(ms)), *figures, str(failures)]


def percentiles(ms: list[float]) -> list[str]:
    """p50 and p95, formatted."""
    p95 = statistics.quantiles(ms, n=100, method="inclusive")[94]
    return [f"{statistics.median(ms):.1f}", f"{p95:.1f}"]


def run(args: argparse.Namespace, progress: Callable[[str], None]) -> list[list[str]]:
    """Build the corpus in a temp dir and time every class."""
    corpus = Corpus(SEED)
    with tempfile.TemporaryDirectory(prefix="exportwatch-web-bench-") as tmp:
        services = open_services(make_settings(args.data_dir or Path(tmp) / "var"))
        try:
            if services.store.count_documents() == args.docs:
                progress(f"reusing the {args.docs:,} documents in {args.data_dir}")
                ids = [document.id for document in corpus.documents(args.docs)]
            else:
                ids = ingest(services, corpus, args.docs, args.batch_size)
            urls = make_urls(corpus, ids, args.requests, SEED + 11)
            app = create_app(services)
            if not any(
                getattr(r, "path", "") == "/documents/{document_id:path}" for r in app.routes
            ):
                app.include_router(document_router)  # until app.py registers it
            rows = []
            with TestClient(app) as client:
                for name in CLASSES:
                    progress(f"timing {name}")
                    rows.append(row(name, *time_urls(client, urls[name])))
            return rows
        finally:
            services.close()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000, help="corpus size (100000)")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per class")
    parser.add_argument("--batch-size", type=int, default=1000, help="documents per batch")
    parser.add_argument(
        "--data-dir", type=Path, help="keep the store and index here; reused when complete"
    )
    parser.add_argument("--out", type=Path, help="also write the table to this markdown file")
    args = parser.parse_args(argv)
    if args.requests < 20:
        parser.error("--requests must be at least 20 (p95 needs samples)")
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the table."""
    args = parse_args(argv)
    started = datetime.now(UTC)
    rows = run(args, lambda message: print(message, file=sys.stderr))
    report = (
        f"Measured {started:%Y-%m-%d %H:%M} UTC, {args.docs:,} documents, embedded index, "
        f"{args.requests} requests per page class (TestClient, in-process), load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores. Target: {TARGET_MS:.0f} ms.\n\n"
        f"{table(rows)}"
    )
    print(report)
    if args.out:
        args.out.write_text(report + "\n")


if __name__ == "__main__":
    main()
