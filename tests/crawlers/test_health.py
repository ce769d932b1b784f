"""Backoff grows, jitters and is capped; notices come once per failure streak or quiet spell."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from exportwatch.crawlers.health import FAILURE_NOTICE_AFTER, MAX_BACKOFF, Health, next_run_at
from exportwatch.model import RunStatus

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_a_success_runs_again_after_the_interval() -> None:
    assert next_run_at(NOW, HOUR, 0) == NOW + HOUR


def test_failures_double_the_delay_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(7)
    delays = [next_run_at(NOW, HOUR, n, rng=rng) - NOW for n in range(1, 12)]
    for failures, delay in enumerate(delays, 1):
        expected = min(HOUR * 2 ** (failures - 1), MAX_BACKOFF)
        assert expected * 0.8 <= delay <= expected * 1.2
    assert delays[-1] <= MAX_BACKOFF * 1.2  # capped: retried daily, never stopped


def test_the_publishers_floor_wins_over_an_earlier_run() -> None:
    floor = NOW + timedelta(hours=5)
    assert next_run_at(NOW, HOUR, 0, floor=floor) == floor


def health(**changes: object) -> Health:
    values: dict[str, object] = {
        "status": RunStatus.FAILED,
        "consecutive_failures": FAILURE_NOTICE_AFTER,
        "notified_at": None,
        "last_new_item_at": NOW - timedelta(days=2),
        "quiet_days": 30,
    }
    return Health(**(values | changes))  # type: ignore[arg-type]


def test_a_failure_notice_is_due_once_per_streak() -> None:
    assert health().failure_notice_due()
    assert not health(consecutive_failures=FAILURE_NOTICE_AFTER - 1).failure_notice_due()
    assert not health(notified_at=NOW).failure_notice_due()
    assert not health(status=RunStatus.DEGRADED).failure_notice_due()


def test_a_quiet_notice_is_due_once_per_quiet_spell() -> None:
    quiet = health(status=RunStatus.SUCCESS, last_new_item_at=NOW - timedelta(days=31))
    assert quiet.quiet_notice_due(NOW, None)
    assert not quiet.quiet_notice_due(NOW, NOW - timedelta(days=1))  # told already
    assert quiet.quiet_notice_due(NOW, NOW - timedelta(days=40))  # items came back since
    assert not health(quiet_days=None).quiet_notice_due(NOW, None)
    assert not health(status=RunStatus.SUCCESS).quiet_notice_due(NOW, None)
