"""Source state and run history: records round-trip, failures count up and reset."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exportwatch.model import RunStatus
from exportwatch.store import NotFoundError, RunCounts, RunRecord, SourceState, Store
from tests.exportwatch.store.factories import NOW

LATER = NOW + timedelta(minutes=3)


def test_a_run_round_trips(store: Store) -> None:
    run_id = store.start_run("wto-tbt", now=NOW)
    finished = store.finish_run(
        run_id,
        RunStatus.DEGRADED,
        counts=RunCounts(seen=12, new=3, updated=2, unchanged=6, failed=1),
        http_statuses={"200": 3, "304": 1},
        first_error="item 7: no date",
        problems=["expected at least 20 items, got 12"],
        now=LATER,
    )

    expected = RunRecord(
        id=run_id,
        source_id="wto-tbt",
        started_at=NOW,
        status=RunStatus.DEGRADED,
        finished_at=LATER,
        counts=RunCounts(seen=12, new=3, updated=2, unchanged=6, failed=1),
        http_statuses={"200": 3, "304": 1},
        first_error="item 7: no date",
        problems=["expected at least 20 items, got 12"],
    )
    assert finished == expected
    assert store.list_runs("wto-tbt") == [expected]


def test_an_unfinished_run_reads_as_running(store: Store) -> None:
    run_id = store.start_run("wto-tbt", now=NOW)

    [run] = store.list_runs("wto-tbt")

    assert (run.id, run.status, run.finished_at, run.counts) == (
        run_id,
        RunStatus.RUNNING,
        None,
        RunCounts(),
    )


def test_runs_are_listed_newest_first_up_to_the_limit(store: Store) -> None:
    ids = [store.start_run("feed", now=NOW + timedelta(hours=n)) for n in range(5)]
    store.start_run("other", now=NOW)

    assert [run.id for run in store.list_runs("feed", limit=3)] == ids[:1:-1]


def test_failures_count_up_and_a_success_resets_them(store: Store) -> None:
    for _ in range(3):
        store.finish_run(store.start_run("flaky"), RunStatus.FAILED, first_error="HTTP 503")
    state = store.get_source_state("flaky")
    assert state is not None
    assert (state.consecutive_failures, state.last_error, state.last_success_at) == (
        3,
        "HTTP 503",
        None,
    )

    store.finish_run(store.start_run("flaky", now=NOW), RunStatus.SUCCESS, now=LATER)

    state = store.get_source_state("flaky")
    assert state is not None
    assert (state.consecutive_failures, state.last_success_at, state.last_run_at) == (
        0,
        LATER,
        NOW,
    )


def test_finish_needs_a_known_run_and_a_final_status(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.finish_run(999, RunStatus.SUCCESS)
    with pytest.raises(ValueError, match="final status"):
        store.finish_run(store.start_run("x"), RunStatus.RUNNING)


def test_update_source_state_changes_only_the_named_fields(store: Store) -> None:
    assert store.get_source_state("eu-fairs") is None

    store.update_source_state("eu-fairs", etag='W/"abc"', url="https://example.org/new")
    state = store.update_source_state("eu-fairs", next_run_at=LATER, enabled=False)

    assert state == SourceState(
        source_id="eu-fairs",
        enabled=False,
        url="https://example.org/new",
        etag='W/"abc"',
        next_run_at=LATER,
    )
    assert store.get_source_state("eu-fairs") == state
    assert store.list_source_states() == [state]


def test_update_source_state_rejects_unknown_fields(store: Store) -> None:
    with pytest.raises(TypeError, match="etagg"):
        store.update_source_state("eu-fairs", etagg="x")  # type: ignore[call-arg]
