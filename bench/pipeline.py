"""Items per second through the pipeline, and memory per 10k items.

    .venv/bin/python bench/pipeline.py [--n 10000] [--types feed]

Items are the labelled evaluation set's raw items (realistic feed entries and pages in eight
languages), repeated with fresh guids and URLs so every one is new. Two passes: normalization
alone, then the whole pipeline (normalize, merge duplicates, save to a SQLite store), each on
one core. Target (issue 4): ≥ 500 items/s for typical feed entries.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.table import Table

from exportwatch.model import RawItem, SourceProfile
from exportwatch.pipeline.evaluation import LabelledItem, load_labelled
from exportwatch.pipeline.normalize import Normalizer
from exportwatch.pipeline.processing import Pipeline
from exportwatch.store import Store
from exportwatch.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parent.parent
EVAL_SET = ROOT / "tests" / "fixtures" / "eval" / "items.jsonl"
BATCH = 500


def stream(items: list[LabelledItem], n: int) -> Iterator[tuple[SourceProfile, RawItem]]:
    """`n` items cycling through the labelled ones, each with its own guid and URL."""
    for number in range(n):
        item = items[number % len(items)]
        raw = dataclasses.replace(
            item.raw,
            guid=f"{item.raw.guid or item.id}#{number}",
            url=f"{item.raw.url}?copy={number}",
        )
        yield item.profile, raw


def normalize_pass(normalizer: Normalizer, items: list[LabelledItem], n: int) -> float:
    """Seconds to normalize `n` items."""
    started = time.perf_counter()
    for profile, raw in stream(items, n):
        normalizer.normalize(raw, profile)
    return time.perf_counter() - started


def pipeline_pass(
    pipeline: Pipeline, items: list[LabelledItem], n: int, *, trace: bool = False
) -> tuple[float, int]:
    """Seconds to process `n` items into the store in batches; traced peak bytes if `trace`."""
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    batch: list[tuple[SourceProfile, RawItem]] = []
    for pair in stream(items, n):
        batch.append(pair)
        if len(batch) == BATCH:
            _process(pipeline, batch)
            batch = []
    _process(pipeline, batch)
    seconds = time.perf_counter() - started
    if not trace:
        return seconds, 0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak


def _process(pipeline: Pipeline, batch: list[tuple[SourceProfile, RawItem]]) -> None:
    by_source: dict[str, tuple[SourceProfile, list[RawItem]]] = {}
    for profile, raw in batch:
        by_source.setdefault(profile.id, (profile, []))[1].append(raw)
    for profile, raws in by_source.values():
        pipeline.process(raws, profile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="items per pass (10,000)")
    parser.add_argument("--types", nargs="*", help="only source types, e.g. feed")
    args = parser.parse_args()
    console = Console()
    items = load_labelled(EVAL_SET)
    if args.types:
        items = [item for item in items if item.source_type in args.types]
    taxonomy = load_taxonomy()
    started = time.perf_counter()
    normalizer = Normalizer(taxonomy)
    for profile, raw in stream(items, len(items)):  # load lazy tables (gazetteer, models)
        normalizer.normalize(raw, profile)
    warmup = time.perf_counter() - started
    normalize_seconds = normalize_pass(normalizer, items, args.n)
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as tmp, Store.from_url(f"sqlite:///{tmp}/s.db") as store:
        pipeline = Pipeline(store, taxonomy)
        pipeline.__dict__["normalizer"] = normalizer  # reuse the warm one
        pipeline_seconds, _ = pipeline_pass(pipeline, items, args.n)
        _, peak = pipeline_pass(pipeline, items, min(args.n, 10_000), trace=True)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    table = Table(title=f"Pipeline, {args.n:,} items from {len(items)} labelled items")
    for column in ("measure", "value"):
        table.add_column(column)
    table.add_row("set-up + warm-up (first pass over the set)", f"{warmup:.2f} s")
    table.add_row("normalize only", f"{args.n / normalize_seconds:,.0f} items/s")
    table.add_row(
        "whole pipeline (normalize, merge, store)", f"{args.n / pipeline_seconds:,.0f} items/s"
    )
    table.add_row(
        "traced peak per 10k items (batches of 500)", f"{peak / 2**20 * 10_000 / args.n:,.1f} MiB"
    )
    table.add_row(
        "max RSS growth during the store pass", f"{(rss_after - rss_before) / 1024:,.0f} MiB"
    )
    table.add_row("max RSS of the process", f"{rss_after / 1024:,.0f} MiB")
    console.print(table)


if __name__ == "__main__":
    main()
