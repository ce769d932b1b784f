"""Where embedded ingest spends its CPU: each stage of store + index timed on its own.

Usage: python bench/ingest_budget.py [--n 30000] [--batch-size 5000]

The same seeded documents (`bench/corpus.py`) go through the stages the crawl job runs, one
stage at a time, each over every document: save to the store, read back, derive index
records, write them to the index (rows, FTS5, filter keys, bitmaps, commit). A last row shows
how much of the write is Python building the row values.
Time is process CPU (`time.process_time`), so the table adds up to what ingest costs
whatever the machine's load; the last rows turn the sum into the best rate one core and two
perfectly shared cores could reach.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from corpus import Corpus
from rich.console import Console
from rich.table import Table

from exportwatch.search.embedded import EmbeddedIndex
from exportwatch.search.embedded.writing import _content, _fields
from exportwatch.search.records import IndexRecord, make_record
from exportwatch.store import Store

console = Console()
T = TypeVar("T")


def cpu(action: Callable[[], object]) -> float:
    """CPU seconds `action` takes."""
    started = time.process_time()
    action()
    return time.process_time() - started


def batches(items: list[T], size: int) -> list[list[T]]:
    """`items` cut into lists of `size`."""
    return [items[start : start + size] for start in range(0, len(items), size)]


def measure(n: int, batch_size: int, tmp: Path) -> tuple[dict[str, float], float]:
    """CPU seconds per document of each stage, and of the row values within the write."""
    corpus = Corpus()
    documents = list(corpus.documents(n))
    ids = [document.id for document in documents]
    store = Store.from_url(f"sqlite:///{tmp / 'store.sqlite3'}")
    index = EmbeddedIndex(corpus.taxonomy, tmp / "index.sqlite3")
    records: list[IndexRecord] = []
    seconds = {
        "store: save_documents": cpu(
            lambda: [store.save_documents(batch) for batch in batches(documents, batch_size)]
        ),
        "index: read back from the store": cpu(
            lambda: [store.get_documents(batch) for batch in batches(ids, batch_size)]
        ),
        "index: records (analysis, keys, dates)": cpu(
            lambda: records.extend(make_record(d, corpus.taxonomy) for d in documents)
        ),
        "index: write (rows, FTS5, keys, bitmaps, commit)": cpu(
            lambda: [index._write(batch) for batch in batches(records, batch_size)]
        ),
    }
    python_part = cpu(lambda: [(_fields(1, r), _content(1, r)) for r in records])
    index.close()
    store.close()
    return {stage: total / n for stage, total in seconds.items()}, python_part / n


def main() -> None:
    """Print the per-document CPU table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30_000, help="documents (30000)")
    parser.add_argument("--batch-size", type=int, default=5_000, help="per batch (5000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="exportwatch-budget-") as tmp:
        per_document, row_values = measure(args.n, args.batch_size, Path(tmp))
    total = sum(per_document.values())
    table = Table(title=f"Embedded ingest: CPU per document, {args.n:,} documents")
    table.add_column("stage")
    table.add_column("µs / document", justify="right")
    for stage, value in per_document.items():
        table.add_row(stage, f"{value * 1e6:.0f}")
    table.add_row("total (store + index)", f"{total * 1e6:.0f}", style="bold")
    table.add_row("of the write: row values in Python", f"{row_values * 1e6:.0f}")
    table.add_row("best rate on one core", f"{1 / total:,.0f} docs/s")
    table.add_row("best rate on two cores, perfectly shared", f"{2 / total:,.0f} docs/s")
    console.print(table)


if __name__ == "__main__":
    main()
