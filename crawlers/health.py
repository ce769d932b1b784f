"""When a source runs next and when people hear about it: backoff, failure and quiet notices.

A failing source is retried later and later (its interval doubled per consecutive failure, with
jitter so that sources failing together spread out, up to a cap) but never stopped. People are
told once when the failures reach a threshold, not at every failure, and again only after the
source has recovered and broken anew; likewise once when a source stays quiet too long.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from exportwatch.model import RunStatus

__all__ = ["FAILURE_NOTICE_AFTER", "MAX_BACKOFF", "Health", "next_run_at"]

FAILURE_NOTICE_AFTER = 3  # consecutive failed runs
MAX_BACKOFF = timedelta(days=1)
JITTER = 0.2  # ± share of the delay


def next_run_at(
    finished_at: datetime,
    interval: timedelta,
    consecutive_failures: int,
    *,
    floor: datetime | None = None,
    rng: random.Random | None = None,
) -> datetime:
    """The regular interval after a success; doubling delays (capped, jittered) after failures.

    `floor` is the earliest time the publisher allows (Retry-After, max-age, a feed's ttl).
    """
    if consecutive_failures <= 0:
        due = finished_at + interval
    else:
        delay = min(interval * 2 ** (consecutive_failures - 1), max(MAX_BACKOFF, interval))
        spread = (rng or random).uniform(1 - JITTER, 1 + JITTER)
        due = finished_at + delay * spread
    return max(due, floor) if floor else due


@dataclass(frozen=True, slots=True)
class Health:
    """What the latest run means for the people behind a source."""

    status: RunStatus
    consecutive_failures: int
    notified_at: datetime | None  # when the current failure streak was reported, if it was
    last_new_item_at: datetime | None
    quiet_days: int | None

    def failure_notice_due(self) -> bool:
        """True exactly once per failure streak, when it reaches the threshold."""
        return (
            self.status is RunStatus.FAILED
            and self.consecutive_failures >= FAILURE_NOTICE_AFTER
            and self.notified_at is None
        )

    def quiet_notice_due(self, now: datetime, quiet_notified_at: datetime | None) -> bool:
        """True once when no new item arrived for `quiet_days` (again after items return)."""
        if self.quiet_days is None or self.last_new_item_at is None:
            return False
        quiet_since = self.last_new_item_at
        overdue = now - quiet_since >= timedelta(days=self.quiet_days)
        return overdue and (quiet_notified_at is None or quiet_notified_at < quiet_since)
