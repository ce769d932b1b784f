"""What one Elasticsearch node takes in bulk, apart from what the Python side feeds it.

Usage: python bench/es_bulk.py [--n 50000] [--rounds 3] [--heap 1g] [--url URL]

A local node (`LocalNode`, 127.0.0.1) is started once, or the node at `--url` is used. Each
round rebuilds the index twice from the same seeded documents (`bench/corpus.py`), as
`exportwatch reindex` does (a new physical index with build settings, bulk requests two in
flight, refresh, alias swap):

- **bulk**: from index records built beforehand, so the figure is the node's bulk ingest
  plus the client's request encoding: what issue 3's "bulk ingest on one node" asks;
- **rebuild**: from documents, building the records (analysis, keys, dates) as it goes.

For each, wall-clock documents/s and the CPU per document of this process and of the node's
JVM (`nodes.stats` process CPU), which share the machine's cores. The first round includes the
JVM's warm-up.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial

from corpus import Corpus
from elasticsearch import Elasticsearch
from rich.console import Console
from rich.table import Table

from exportwatch.devtools.elasticsearch import LocalNode
from exportwatch.search.elasticsearch import ElasticsearchIndex
from exportwatch.search.records import IndexRecord, make_record

console = Console()
PREFIX = "bench-bulk"


@dataclass(frozen=True, slots=True)
class Phase:
    """One timed load: documents/s, and CPU per document on each side."""

    rate: float
    client_us: float
    server_us: float


class Node:
    """The node's CPU use so far, and removal of what the benchmark wrote."""

    def __init__(self, url: str) -> None:
        self.client = Elasticsearch(url, request_timeout=60)

    def seconds(self) -> float:
        """Total CPU of the node's JVM."""
        stats = self.client.nodes.stats(node_id="_local", metric="process")
        return int(next(iter(stats["nodes"].values()))["process"]["cpu"]["total_in_millis"]) / 1000

    def drop(self, prefix: str) -> None:
        """Delete the benchmark's indices (the alias goes with them)."""
        self.client.indices.delete(index=f"{prefix}-documents-v*", allow_no_indices=True)
        self.client.close()


def timed(load: Callable[[], object], n: int, node: Node) -> Phase:
    """Run `load` and measure it against `n` documents."""
    wall, cpu, server = time.perf_counter(), time.process_time(), node.seconds()
    load()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    server = node.seconds() - server
    return Phase(n / wall, cpu / n * 1e6, server / n * 1e6)


def bulk(index: ElasticsearchIndex, records: list[IndexRecord]) -> None:
    """Rebuild `index` from records built beforehand: only encoding and the node's work."""
    size = index.batch_size
    index._rebuild(records[start : start + size] for start in range(0, len(records), size))


def main() -> None:
    """Start a node, run the rounds, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="documents (50000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the first warms up (3)")
    parser.add_argument("--heap", default="1g", help="node heap (1g)")
    parser.add_argument("--url", help="use this running node instead of starting one")
    args = parser.parse_args()
    corpus = Corpus()
    documents = list(corpus.documents(args.n))
    records = [make_record(document, corpus.taxonomy) for document in documents]
    table = Table(title=f"Elasticsearch bulk, {args.n:,} documents per load, one local node")
    for column in ("round", "load", "docs/s", "client µs/doc", "node µs/doc"):
        table.add_column(column, justify="right" if column != "load" else "left")
    with ExitStack() as stack:
        url = args.url or stack.enter_context(LocalNode(heap=args.heap)).url
        node = Node(url)
        stack.callback(node.drop, PREFIX)
        index = ElasticsearchIndex(corpus.taxonomy, url, prefix=PREFIX)
        stack.callback(index.close)
        loads: dict[str, Callable[[], object]] = {
            "bulk (records built)": partial(bulk, index, records),
            "rebuild (from documents)": partial(index.rebuild, documents),
        }
        for round_ in range(1, args.rounds + 1):
            for name, load in loads.items():
                phase = timed(load, args.n, node)
                if index.count() != args.n:
                    raise SystemExit(f"{name}: {index.count()} of {args.n} documents indexed")
                rates = (f"{phase.rate:,.0f}", f"{phase.client_us:.0f}", f"{phase.server_us:.0f}")
                table.add_row(str(round_), name, *rates)
    console.print(table)


if __name__ == "__main__":
    main()
