"""The soak of bench/soak.py, shortened: the scheduler with fast schedules for 24 seconds.

Every job kind runs and none fails, the crawls store and the digests send, and memory after the
warm-up grows by less than a generous bound (the full bench judges the slope over 30 minutes).
"""

from __future__ import annotations

from bench.soak import SoakConfig, run_soak

GROWTH_BOUND_MIB = 64.0
SHORT = SoakConfig(
    minutes=0.4,
    sample_seconds=2,
    warmup_minutes=0.15,
    crawl_seconds=3,
    alerts_seconds=4,
    sources_sync_seconds=10,
    subscribe_seconds=10,
    feeds=2,
    subscribers=10,
)


def test_the_scheduler_keeps_working_with_fast_schedules() -> None:
    result = run_soak(SHORT)
    assert {"soak", "index-sync", "alerts-run", "sources-sync"} <= set(result.executed)
    assert result.executed["soak"] >= 4  # crawls ran again and again
    assert not result.failed and not result.missed and result.errors_logged == []
    assert set(result.runs) == {"success"}
    assert result.documents > 0 and result.emails > 0
    assert len(result.after_warmup()) >= 3
    assert result.anon_growth() < GROWTH_BOUND_MIB
