"""The load test of bench/load.py, shortened: the real service under concurrent searches.

`exportwatch run` serves a 2,000-document corpus on 127.0.0.1 while 8 clients search and a
crawl and a digest run beside them; every request must succeed. The latency bound is loose on
purpose (a loaded 2-core CI machine); the figures that matter come from the full bench.
"""

from __future__ import annotations

import pytest

from bench.load import LoadConfig, LoadResult, run_load

P95_BOUND_MS = 3_000.0
SHORT = LoadConfig(docs=2_000, clients=8, seconds=10, crawl_items=150, feeds=2, subscribers=30)


def check(result: LoadResult) -> None:
    quiet, during, everything = result.phases()
    assert result.problems == [] and result.server_errors == []
    assert [(s.status, s.path) for s in result.error_samples()] == []
    assert result.crawl_returncode == 0 and result.alerts_returncode == 0
    assert quiet.requests > 0 and during.requests > 0  # searches ran beside the crawl
    assert everything.p95 < P95_BOUND_MS, everything
    assert result.documents_after > result.documents_before  # the crawl stored its items...
    assert result.indexed_after == result.documents_after  # ...and they are searchable
    assert result.emails > 0  # and the digest went out


def test_searches_succeed_while_a_crawl_and_a_digest_run() -> None:
    check(run_load(SHORT))


@pytest.mark.elasticsearch
def test_searches_on_elasticsearch_succeed_while_a_crawl_and_a_digest_run(
    elasticsearch_url: str,
) -> None:
    config = LoadConfig(**{**SHORT.__dict__, "elasticsearch_url": elasticsearch_url, "seconds": 6})
    check(run_load(config))
