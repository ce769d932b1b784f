"""Benchmark the search backends: ingest, index size, query latency and memory, per corpus size.

Usage: python bench/search.py [--backend embedded|elasticsearch|both] [--n 100000[,1000000]]
                              [--queries 200] [--out FILE.md]

For each backend and size, in a fresh temp dir: documents from `bench/corpus.py` (fixed seed)
are saved to a SQLite store in batches and the outbox is drained into the index with
`sync_outbox`, as the crawl job does; then the index size is read, a fixed seeded query mix is
timed through `Index.search` (as the API calls it: hits, highlights, facets), peak memory is
read, and finally the whole index is rebuilt from the store (`exportwatch reindex`).
Elasticsearch runs as one local node (`LocalNode`) on 127.0.0.1 for the whole invocation.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import resource
import shlex
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path
from random import Random
from typing import Any, cast

from corpus import GROUPINGS, LANGUAGES, MAJOR_MARKETS, Corpus
from elasticsearch import Elasticsearch
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from exportwatch.devtools.elasticsearch import LocalNode
from exportwatch.model import Document, Kind
from exportwatch.search import Index, Query, Sort
from exportwatch.search.elasticsearch import ElasticsearchIndex
from exportwatch.search.embedded import EmbeddedIndex
from exportwatch.search.sync import rebuild_index, sync_outbox
from exportwatch.store import Store

BACKENDS = ("embedded", "elasticsearch")
CLASSES = ("text", "text+filters", "filters+facets")
SEED = 42
TODAY = date(2025, 6, 1)  # reference day of every query ("upcoming", market memberships)
WARMUP = 25  # untimed queries per class before the timed ones
TARGET_INGEST = 5_000  # docs/s, embedded and Elasticsearch (issue 3)
TARGET_P95_MS = 50.0  # embedded, at 100k documents (issue 3)
TARGET_P95_AT = 100_000
MB = 1024 * 1024

console = Console()
if not console.is_terminal:
    console.width = 220  # logs and pipes: keep the wide summary table readable


# Results


@dataclass
class Run:
    """Everything measured for one backend at one corpus size."""

    backend: str
    n: int
    store_seconds: float = 0.0  # Store.save_documents, all batches
    sync_seconds: float = 0.0  # sync_outbox: outbox reads, store reads, index writes, acks
    upsert_seconds: float = 0.0  # the part of sync_outbox spent in Index.upsert
    reindex_seconds: float = 0.0  # Index.rebuild(store.iter_documents())
    index_bytes: int = 0
    index_wal_bytes: int = 0  # embedded: the WAL beside the file at that moment
    index_bytes_rebuilt: int = 0
    index_wal_bytes_rebuilt: int = 0
    store_bytes: int = 0
    latencies: dict[str, list[float]] = field(default_factory=dict)  # class -> seconds
    totals: dict[str, list[int]] = field(default_factory=dict)  # class -> hits per query
    python_peak_rss: int = 0  # VmHWM: includes the index pages SQLite maps into memory
    python_peak_anon: int = 0  # sampled RssAnon: the process's own memory
    es_peak_rss: int | None = None
    es_peak_anon: int | None = None
    es_heap_used: int | None = None
    es_heap_max: int | None = None
    es_index_seconds: float | None = None  # server-side indexing time during ingest
    es_refresh_seconds: float | None = None  # server-side refresh time during ingest

    def rate(self, seconds: float) -> float:
        """Documents per second for a phase that handled all `n` documents."""
        return self.n / seconds if seconds else 0.0

    def percentiles(self, kind: str) -> tuple[float, float, float]:
        """p50, p95, p99 latency of a query class, in milliseconds."""
        cuts = statistics.quantiles(self.latencies[kind], n=100, method="inclusive")
        return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


@dataclass
class Environment:
    """What the figures were measured on."""

    command: str
    started: datetime
    heap: str | None = None
    es_version: str | None = None
    jdk: str | None = None
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    warm_up: int = 0  # documents indexed into a throwaway index before Elasticsearch runs


# Query mix


def make_queries(corpus: Corpus, count: int, seed: int) -> dict[str, list[Query]]:
    """`count` queries per class, always the same for the same seed."""
    rng = Random(seed)
    languages = list(LANGUAGES)
    weights = list(LANGUAGES.values())

    def language() -> str:
        return rng.choices(languages, weights)[0]

    return {
        "text": [Query(text=make_text(corpus, rng, language()), today=TODAY) for _ in range(count)],
        "text+filters": [
            Query(text=make_text(corpus, rng, language(), words=2), today=TODAY, **filters(rng))
            for _ in range(count)
        ],
        "filters+facets": [
            Query(today=TODAY, sort=rng.choice(list(Sort)), **filters(rng)) for _ in range(count)
        ],
    }


def make_text(corpus: Corpus, rng: Random, language: str, words: int = 3) -> str:
    """Up to `words` words (mostly one or two); or a phrase, an OR of two words, or a prefix."""
    roll = rng.random()
    if roll < 0.2:
        return f'"{corpus.query_phrase(rng, language)}"'
    if roll < 0.35:
        return f"{corpus.query_word(rng, language)} OR {corpus.query_word(rng, language)}"
    if roll < 0.5:
        word = corpus.query_word(rng, language)
        return word[: max(3, len(word) // 2)] + "*"
    count = min(words, rng.choices((1, 2, 3), (50, 35, 15))[0])
    return " ".join(corpus.query_word(rng, language) for _ in range(count))


def filters(rng: Random) -> dict[str, Any]:
    """One to three of: kind, sector, market (often a grouping), date window; some `upcoming`."""
    chosen = rng.sample(["kind", "sector", "market", "dates"], rng.randint(1, 3))
    found: dict[str, Any] = {}
    if "kind" in chosen:
        found["kinds"] = (rng.choice(list(Kind)),)
    if "sector" in chosen:
        found["sectors"] = (rng.choice(SECTOR_CODES),)
    if "market" in chosen:
        markets = list(GROUPINGS)[:4] if rng.random() < 0.5 else list(MAJOR_MARKETS)[:20]
        found["markets"] = (rng.choice(markets),)
    if "dates" in chosen:
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(6 * 365))
        found["date_from"], found["date_to"] = start, start + timedelta(days=rng.randint(30, 365))
    elif rng.random() < 0.2:
        found["upcoming"] = True
    return found


SECTOR_CODES = ("food", "food.dairy", "machinery", "machinery.automation", "ict", "ict.software",
                "energy.solar", "medical", "textiles.apparel", "chemicals", "automotive.parts",
                "construction", "agriculture", "cosmetics.skin-care", "packaging")  # fmt: skip


# Measuring


class MeteredIndex:
    """What `sync_outbox` needs of an index (upsert, delete), timed and reported to a callback."""

    def __init__(self, index: Index, advance: Callable[[int], None]) -> None:
        self.index = index
        self.advance = advance
        self.seconds = 0.0

    def upsert(self, documents: Iterable[Document]) -> int:
        """Upsert through the real index, adding the time spent to `seconds`."""
        started = time.perf_counter()
        written = self.index.upsert(documents)
        self.seconds += time.perf_counter() - started
        self.advance(written)
        return written

    def delete(self, ids: Iterable[str]) -> None:
        """Delete through the real index."""
        self.index.delete(ids)

    def discard_unfinished_builds(self, idle: Callable[[], bool] = lambda: True) -> list[str]:
        """Clean up through the real index (the sync does this first)."""
        return self.index.discard_unfinished_builds(idle)


def batches(documents: Iterator[Document], size: int) -> Iterator[list[Document]]:
    """Lists of up to `size` documents."""
    while batch := list(islice(documents, size)):
        yield batch


def progress_bar() -> Progress:
    """A progress display for one ingest phase."""
    return Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def ingest(run: Run, store: Store, index: Index, corpus: Corpus, batch_size: int) -> None:
    """Save the corpus to the store in batches, then drain the outbox into the index."""
    with progress_bar() as progress:
        task = progress.add_task(f"{run.backend} {run.n:,}: store", total=run.n)
        for batch in batches(corpus.documents(run.n), batch_size):
            started = time.perf_counter()
            store.save_documents(batch, batch_size=batch_size)
            run.store_seconds += time.perf_counter() - started
            progress.advance(task, len(batch))
        task = progress.add_task(f"{run.backend} {run.n:,}: index (sync)", total=run.n)
        metered = MeteredIndex(index, lambda done: progress.advance(task, done))
        started = time.perf_counter()
        report = sync_outbox(store, cast(Index, metered))
        run.sync_seconds = time.perf_counter() - started
        run.upsert_seconds = metered.seconds
    if not report.ok or report.upserted != run.n:
        raise SystemExit(f"sync indexed {report.upserted} of {run.n}: {report.error}")


def reindex(run: Run, store: Store, index: Index, batch_size: int) -> None:
    """Rebuild the whole index from the store with `rebuild_index`, as `exportwatch reindex`."""
    with progress_bar() as progress:
        task = progress.add_task(f"{run.backend} {run.n:,}: reindex", total=run.n)

        def documents() -> Iterator[Document]:
            for number, document in enumerate(store.iter_documents(batch_size=batch_size), 1):
                if number % batch_size == 0:
                    progress.advance(task, batch_size)
                yield document

        started = time.perf_counter()
        rebuilt, report = rebuild_index(store, index, documents())
        run.reindex_seconds = time.perf_counter() - started
    if rebuilt != run.n or index.count() != run.n or not report.ok:
        raise SystemExit(f"reindex wrote {rebuilt} of {run.n} documents")


def time_queries(run: Run, index: Index, queries: dict[str, list[Query]]) -> None:
    """Run every query once, timing `Index.search` (warm-up queries first, untimed)."""
    for kind, mix in queries.items():
        for query in mix[:WARMUP]:
            index.search(query)
        run.latencies[kind], run.totals[kind] = [], []
        for query in mix[WARMUP:]:
            started = time.perf_counter()
            results = index.search(query)
            run.latencies[kind].append(time.perf_counter() - started)
            run.totals[kind].append(results.total)


class MemoryWatch:
    """Peak memory of processes over a `with` block: VmHWM (reset on entry) and sampled RssAnon.

    VmHWM counts file pages mapped into the process (SQLite's mmap of the index, Lucene's
    mmapped segments), which the OS can drop at will; RssAnon is the process's own memory.
    """

    def __init__(self, pids: list[int | str], interval: float = 0.2) -> None:
        self.pids = pids
        self.interval = interval
        self.anon = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> MemoryWatch:
        for pid in self.pids:
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def peak_rss(self, pid: int | str) -> int:
        """Peak resident set size (VmHWM) since entry, in bytes."""
        return status_kib(pid, "VmHWM") * 1024

    def peak_anon(self, pid: int | str) -> int:
        """Largest sampled anonymous RSS since entry, in bytes."""
        self._sample_once()
        return self.anon[pid] * 1024

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample_once()

    def _sample_once(self) -> None:
        for pid in self.pids:
            self.anon[pid] = max(self.anon[pid], status_kib(pid, "RssAnon"))


def status_kib(pid: int | str, name: str) -> int:
    """One `kB` field of /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {name} for process {pid}")


def file_size(path: Path) -> int:
    """Size of a file, 0 when it does not exist."""
    return path.stat().st_size if path.exists() else 0


def sqlite_size(path: Path) -> tuple[int, int]:
    """Size of a SQLite file and of its WAL."""
    return file_size(path), file_size(path.with_name(path.name + "-wal"))


# The runs


class Elastic:
    """The benchmark's Elasticsearch node: URL, server pid, size and heap queries."""

    def __init__(self, node: LocalNode) -> None:
        self.node = node
        self.client = Elasticsearch(node.url, request_timeout=300)
        info = self.client.nodes.info(node_id="_local", metric="process")
        self.pid = int(next(iter(info["nodes"].values()))["process"]["id"])

    def index_bytes(self, alias: str) -> int:
        """Primary store size of the index behind `alias`, after a refresh (no force-merge)."""
        self.client.indices.refresh(index=alias)
        stats = self.client.indices.stats(index=alias, metric="store")
        return int(stats["_all"]["primaries"]["store"]["size_in_bytes"])

    def write_seconds(self, alias: str) -> tuple[float, float]:
        """Server-side time spent indexing and refreshing the index behind `alias`."""
        stats = self.client.indices.stats(index=alias, metric="indexing,refresh")
        primaries = stats["_all"]["primaries"]
        return (
            primaries["indexing"]["index_time_in_millis"] / 1000,
            primaries["refresh"]["total_time_in_millis"] / 1000,
        )

    def heap(self) -> tuple[int, int]:
        """JVM heap used and max, in bytes."""
        stats = self.client.nodes.stats(node_id="_local", metric="jvm")
        memory = next(iter(stats["nodes"].values()))["jvm"]["mem"]
        return int(memory["heap_used_in_bytes"]), int(memory["heap_max_in_bytes"])

    def drop(self, prefix: str) -> None:
        """Delete the benchmark's indices, so the next size starts from an empty node."""
        self.client.indices.delete(index=f"{prefix}-documents-v*", allow_no_indices=True)


def warm_up(elastic: Elastic, corpus: Corpus, n: int) -> None:
    """Index `n` documents into a throwaway index, so the timed runs meet a JIT-compiled JVM.

    A fresh node's first 50,000 documents go in at about half its steady bulk rate
    (`bench/es_bulk.py`, round 1 against later rounds).
    """
    if n:
        console.print(f"[dim]elasticsearch: warming the node up with {n:,} documents")
        index = ElasticsearchIndex(corpus.taxonomy, elastic.node.url, prefix="warmup")
        try:
            index.rebuild(corpus.documents(n))
        finally:
            index.close()
            elastic.drop("warmup")


def run_one(
    backend: str,
    n: int,
    corpus: Corpus,
    queries: dict[str, list[Query]],
    elastic: Elastic | None,
    args: argparse.Namespace,
) -> Run:
    """Measure one backend at one size in a fresh temp dir."""
    run = Run(backend, n)
    pids: list[int | str] = ["self", elastic.pid] if elastic else ["self"]
    with MemoryWatch(pids) as memory:
        measure(run, corpus, queries, elastic, args)
        run.python_peak_rss, run.python_peak_anon = (
            memory.peak_rss("self"),
            memory.peak_anon("self"),
        )
        if elastic:
            run.es_peak_rss, run.es_peak_anon = (
                memory.peak_rss(elastic.pid),
                memory.peak_anon(elastic.pid),
            )
    return run


def measure(
    run: Run,
    corpus: Corpus,
    queries: dict[str, list[Query]],
    elastic: Elastic | None,
    args: argparse.Namespace,
) -> None:
    """Ingest, size, queries and reindex of one run, in a fresh temp dir."""
    backend, n = run.backend, run.n
    with tempfile.TemporaryDirectory(prefix="exportwatch-bench-") as tmp:
        store_path = Path(tmp) / "store.sqlite3"
        prefix = f"bench{n}"
        with Store.from_url(f"sqlite:///{store_path}") as store:
            index: Index
            if elastic:
                index = ElasticsearchIndex(corpus.taxonomy, elastic.node.url, prefix=prefix)
            else:
                index = EmbeddedIndex(corpus.taxonomy, Path(tmp) / "index.sqlite3")
            try:
                ingest(run, store, index, corpus, args.batch_size)
                if elastic:
                    alias = f"{prefix}-documents"
                    run.es_index_seconds, run.es_refresh_seconds = elastic.write_seconds(alias)
                run.store_bytes = sum(sqlite_size(store_path))
                run.index_bytes, run.index_wal_bytes = measure_size(index, elastic, prefix)
                console.print(f"[dim]{backend} {n:,}: timing {len(CLASSES)} query classes")
                time_queries(run, index, queries)
                if elastic:
                    run.es_heap_used, run.es_heap_max = elastic.heap()
                if not args.no_reindex:
                    reindex(run, store, index, args.batch_size)
                    rebuilt = measure_size(index, elastic, prefix)
                    run.index_bytes_rebuilt, run.index_wal_bytes_rebuilt = rebuilt
            finally:
                index.close()
                if elastic:
                    elastic.drop(prefix)


def measure_size(index: Index, elastic: Elastic | None, prefix: str) -> tuple[int, int]:
    """Bytes the index takes on disk: the index, and (embedded) the WAL beside it."""
    if elastic:
        return elastic.index_bytes(f"{prefix}-documents"), 0
    assert isinstance(index, EmbeddedIndex)
    return sqlite_size(index.path)


def run_all(args: argparse.Namespace, env: Environment) -> list[Run]:
    """Every requested backend and size; one Elasticsearch node for all Elasticsearch runs."""
    corpus = Corpus(SEED)
    queries = make_queries(corpus, args.queries + WARMUP, SEED + 7)
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    runs = []
    with ExitStack() as stack:
        for backend in backends:
            elastic = None
            if backend == "elasticsearch":
                node = stack.enter_context(LocalNode(heap=env.heap))
                elastic = Elastic(node)
                warm_up(elastic, corpus, env.warm_up)
                env.es_version = node.version
                env.jdk = f"Java {node.java.major} ({node.java.path})" if node.java else None
            for n in args.n:
                run = run_one(backend, n, corpus, queries, elastic, args)
                print_run(run)
                runs.append(run)
    return runs


# Reporting


def fmt_rate(value: float) -> str:
    """Documents per second, rounded."""
    return f"{value:,.0f}"


def fmt_mb(value: int | None) -> str:
    """Bytes as MiB."""
    return "-" if value is None else f"{value / MB:,.0f} MiB"


def fmt_size(main: int, wal: int, n: int) -> str:
    """An index size: MiB, bytes per document, and the WAL if there is one."""
    if not main:
        return "-"
    text = f"{fmt_mb(main)} ({main / n:,.0f} B/doc)"
    return f"{text} + {fmt_mb(wal)} WAL" if wal else text


def fmt_memory(rss: int | None, anon: int | None) -> str:
    """Peak RSS and peak anonymous RSS."""
    return f"{fmt_mb(rss)} / {fmt_mb(anon)}"


def check(value: float, target: float, *, at_most: bool = False) -> str:
    """A check mark when `value` meets `target`."""
    return "✓" if (value <= target if at_most else value >= target) else "✗ missed"


def run_rows(run: Run) -> list[list[str]]:
    """The per-run table: measure, value, target, met?"""
    target = f"≥ {TARGET_INGEST:,} docs/s"
    rows = [
        ["store: save_documents", f"{fmt_rate(run.rate(run.store_seconds))} docs/s", "", ""],
        [
            "index: sync_outbox",
            f"{fmt_rate(run.rate(run.sync_seconds))} docs/s",
            target,
            check(run.rate(run.sync_seconds), TARGET_INGEST),
        ],
        [
            "index: time in Index.upsert only",
            f"{fmt_rate(run.rate(run.upsert_seconds))} docs/s",
            "",
            "",
        ],
        [
            "combined store + index",
            f"{fmt_rate(run.rate(run.store_seconds + run.sync_seconds))} docs/s",
            target,
            check(run.rate(run.store_seconds + run.sync_seconds), TARGET_INGEST),
        ],
    ]
    if run.es_index_seconds is not None:
        server = f"{run.es_index_seconds:.1f} s indexing, {run.es_refresh_seconds:.1f} s refresh"
        rows.append(
            ["index: Elasticsearch server time", f"{server} (of {run.sync_seconds:.1f} s)", "", ""]
        )
    if run.reindex_seconds:
        rate = run.rate(run.reindex_seconds)
        rows.append(
            ["reindex (rebuild)", f"{fmt_rate(rate)} docs/s", target, check(rate, TARGET_INGEST)]
        )
    rows += [
        ["index size", fmt_size(run.index_bytes, run.index_wal_bytes, run.n), "", ""],
        [
            "index size after reindex",
            fmt_size(run.index_bytes_rebuilt, run.index_wal_bytes_rebuilt, run.n),
            "",
            "",
        ],
        ["store size (with WAL)", fmt_mb(run.store_bytes), "", ""],
    ]
    for kind in CLASSES:
        p50, p95, p99 = run.percentiles(kind)
        hits = statistics.median(run.totals[kind])
        has_target = run.backend == "embedded" and run.n == TARGET_P95_AT
        rows.append(
            [
                f"query {kind} p50/p95/p99",
                f"{p50:.1f} / {p95:.1f} / {p99:.1f} ms (median {hits:,.0f} hits)",
                f"p95 ≤ {TARGET_P95_MS:.0f} ms" if has_target else "",
                check(p95, TARGET_P95_MS, at_most=True) if has_target else "",
            ]
        )
    rows.append(
        [
            "Python peak RSS / anonymous",
            fmt_memory(run.python_peak_rss, run.python_peak_anon),
            "",
            "",
        ]
    )
    if run.es_peak_rss is not None:
        rows.append(
            [
                "Elasticsearch peak RSS / anonymous",
                fmt_memory(run.es_peak_rss, run.es_peak_anon),
                "",
                "",
            ]
        )
        rows.append(
            ["Elasticsearch heap used / max", f"{fmt_mb(run.es_heap_used)} / "
             f"{fmt_mb(run.es_heap_max)}", "", ""]
        )  # fmt: skip
    return rows


RUN_HEADERS = ["measure", "value", "target", "met"]
SUMMARY_HEADERS = [
    "backend", "docs", "store docs/s", "index docs/s", "combined docs/s", "reindex docs/s",
    "index size", *(f"{kind} p50/p95/p99 ms" for kind in CLASSES), "Python RSS / anon",
    "ES RSS / anon / heap",
]  # fmt: skip


def summary_rows(runs: list[Run]) -> list[list[str]]:
    """One row per run."""
    rows = []
    for run in runs:
        latencies = ["/".join(f"{p:.1f}" for p in run.percentiles(kind)) for kind in CLASSES]
        es = "-"
        if run.es_peak_rss is not None:
            es = f"{fmt_memory(run.es_peak_rss, run.es_peak_anon)} / {fmt_mb(run.es_heap_used)}"
        rows.append(
            [
                run.backend,
                f"{run.n:,}",
                fmt_rate(run.rate(run.store_seconds)),
                fmt_rate(run.rate(run.sync_seconds)),
                fmt_rate(run.rate(run.store_seconds + run.sync_seconds)),
                fmt_rate(run.rate(run.reindex_seconds)) if run.reindex_seconds else "-",
                fmt_mb(run.index_bytes),
                *latencies,
                fmt_memory(run.python_peak_rss, run.python_peak_anon),
                es,
            ]
        )
    return rows


def rich_table(title: str, headers: list[str], rows: list[list[str]]) -> Table:
    """A Rich table."""
    table = Table(title=title, title_justify="left")
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*row)
    return table


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def print_run(run: Run) -> None:
    """The table of one run."""
    console.print(rich_table(f"{run.backend}, {run.n:,} documents", RUN_HEADERS, run_rows(run)))


def machine() -> str:
    """Cores, memory, Python and SQLite versions of this machine."""
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    models = [
        line.split(":", 1)[1].strip()
        for line in Path("/proc/cpuinfo").read_text().splitlines()
        if line.startswith("model name")
    ]
    return (
        f"{os.cpu_count()} cores ({models[0] if models else platform.machine()}), "
        f"{memory_kb / 1024 / 1024:.0f} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def markdown_report(runs: list[Run], env: Environment) -> str:
    """The whole report as markdown: environment, summary, one table per run."""
    load = "load average {:.1f} / {:.1f} / {:.1f}"
    lines = [
        f"Measured {env.started:%Y-%m-%d %H:%M} UTC on {machine()}.",
        "",
        f"Command: `{env.command}`",
        "",
    ]
    if env.es_version:
        warmed = f", warmed up with {env.warm_up:,} documents" if env.warm_up else ", not warmed up"
        lines += [f"Elasticsearch {env.es_version}, heap {env.heap}, {env.jdk}{warmed}.", ""]
    lines += [
        f"Before: {load.format(*env.load_before)}; after: {load.format(*env.load_after)}.",
        "",
        markdown_table(SUMMARY_HEADERS, summary_rows(runs)),
        "",
    ]
    for run in runs:
        lines += [f"#### {run.backend}, {run.n:,} documents", ""]
        lines += [markdown_table(RUN_HEADERS, run_rows(run)), ""]
    return "\n".join(lines)


# Command line


def sizes(text: str) -> list[int]:
    """`100000,1000000` -> [100000, 1000000] (also accepts 100k, 1m)."""
    units = {"k": 1_000, "m": 1_000_000}
    values = []
    for part in filter(None, text.replace("_", "").split(",")):
        part = part.strip().lower()
        values.append(int(part[:-1]) * units[part[-1]] if part[-1] in units else int(part))
    return values


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="both")
    parser.add_argument(
        "--n", type=sizes, action="append", help="documents; repeat or comma-separate (100000)"
    )
    parser.add_argument("--queries", type=int, default=200, help="timed queries per class (200)")
    parser.add_argument("--batch-size", type=int, default=1000, help="documents per batch (1000)")
    parser.add_argument("--heap", help="Elasticsearch heap (default 2g from 1M docs, else 1g)")
    parser.add_argument("--no-reindex", action="store_true", help="skip the rebuild phase")
    parser.add_argument(
        "--warm-up",
        type=int,
        default=50_000,
        help="documents indexed into a throwaway Elasticsearch index first; 0 for none (50000)",
    )
    parser.add_argument("--out", type=Path, help="also write the tables to this markdown file")
    args = parser.parse_args(argv)
    args.n = sorted({n for group in args.n or [[100_000]] for n in group})
    if args.queries < 20:
        parser.error("--queries must be at least 20 (p99 needs samples)")
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark, print the tables, write the markdown report if asked."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("exportwatch.devtools").setLevel(logging.INFO)
    env = Environment(
        command=shlex.join(["python", "bench/search.py", *(argv or sys.argv[1:])]),
        started=datetime.now(UTC),
        heap=args.heap or ("2g" if max(args.n) >= 1_000_000 else "1g"),
        load_before=os.getloadavg(),
        warm_up=args.warm_up,
    )
    runs = run_all(args, env)
    env.load_after = os.getloadavg()
    console.print(rich_table("Summary", SUMMARY_HEADERS, summary_rows(runs)))
    console.print(f"Python peak RSS over the whole invocation: {fmt_mb(max_rss())}")
    if args.out:
        args.out.write_text(markdown_report(runs, env) + "\n")
        console.print(f"Wrote {args.out}")


def max_rss() -> int:
    """Peak RSS of this process since it started, in bytes (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


if __name__ == "__main__":
    main()
