"""Index rebuild runs: the sync holds back while one runs; a dead run does not block forever."""

from __future__ import annotations

from exportwatch.store import Store
from exportwatch.store.rebuilds import STALE_REBUILD
from tests.exportwatch.store.factories import NOW


def test_a_running_rebuild_is_seen_until_it_finishes(store: Store) -> None:
    assert not store.index_rebuild_running(now=NOW)
    rebuild = store.begin_index_rebuild(now=NOW)
    assert store.index_rebuild_running(now=NOW)
    store.finish_index_rebuild(rebuild, ok=True, documents=24, now=NOW)
    assert not store.index_rebuild_running(now=NOW)


def test_a_failed_rebuild_releases_the_sync(store: Store) -> None:
    rebuild = store.begin_index_rebuild(now=NOW)
    store.finish_index_rebuild(rebuild, ok=False, now=NOW)
    assert not store.index_rebuild_running(now=NOW)


def test_a_rebuild_abandoned_by_a_crash_goes_stale(store: Store) -> None:
    store.begin_index_rebuild(now=NOW)
    assert store.index_rebuild_running(now=NOW + STALE_REBUILD / 2)
    assert not store.index_rebuild_running(now=NOW + STALE_REBUILD)


def test_a_beating_rebuild_stays_running_however_long_it_takes(store: Store) -> None:
    rebuild = store.begin_index_rebuild(now=NOW)
    later = NOW + STALE_REBUILD * 30
    store.beat_index_rebuild(rebuild, 1000, now=later)
    assert store.index_rebuild_running(now=later + STALE_REBUILD / 2)
    assert not store.index_rebuild_running(now=later + STALE_REBUILD)
