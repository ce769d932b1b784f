"""The background scheduler: APScheduler 3 with its job store in the store's database.

Jobs are registered by the stages that own them (source crawls, index sync, digests); this
module only owns the scheduler's policy: persistent jobs, coalesced misfires, one instance of a
job at a time, failures handed to a recorder without stopping the scheduler, and a shutdown
that lets running jobs finish within a grace period.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_SUBMITTED,
    JobExecutionEvent,
    JobSubmissionEvent,
)
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

__all__ = [
    "DEFAULT_GRACE_SECONDS",
    "JOBS_TABLE",
    "FailureRecorder",
    "ServiceScheduler",
    "create_scheduler",
    "running_scheduler",
]

JOBS_TABLE = "apscheduler_jobs"
DEFAULT_GRACE_SECONDS = 60.0
log = logging.getLogger(__name__)
_running: ServiceScheduler | None = None

FailureRecorder = Callable[[str, BaseException, str], None]  # job id, exception, traceback


class ServiceScheduler(BackgroundScheduler):  # type: ignore[misc]  # APScheduler 3 is untyped
    """A background scheduler whose `shutdown(wait=True)` waits at most `grace` seconds.

    Jobs still running after the grace period are listed in `cut_off`; the caller decides how
    to end the process (their threads cannot be stopped from outside).
    """

    def __init__(self, *, grace: float, recorder: FailureRecorder | None, **options: Any) -> None:
        super().__init__(**options)
        self.grace = grace
        self.recorder = recorder
        self.cut_off: list[str] = []
        self._in_flight: Counter[str] = Counter()
        self._changed = threading.Condition()
        self.add_listener(self._submitted, EVENT_JOB_SUBMITTED)
        self.add_listener(self._done, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    def shutdown(self, wait: bool = True) -> None:
        """Stop starting jobs; with `wait`, give running ones up to `grace` seconds to finish."""
        super().shutdown(wait=False)
        if wait:
            self.cut_off = self.wait_for_jobs(self.grace)
            if self.cut_off:
                log.warning(
                    "stopping with jobs still running after %.0f s: %s (they resume on the "
                    "next start)",
                    self.grace,
                    ", ".join(self.cut_off),
                )

    def running_jobs(self) -> list[str]:
        """Ids of the jobs running now (or submitted to run)."""
        with self._changed:
            return sorted(job for job, count in self._in_flight.items() if count > 0)

    def wait_for_jobs(self, timeout: float) -> list[str]:
        """Wait until no job runs, at most `timeout` seconds; returns the ones still running."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._busy() and (left := deadline - time.monotonic()) > 0:
                self._changed.wait(left)
        return self.running_jobs()

    def _busy(self) -> bool:
        return any(count > 0 for count in self._in_flight.values())

    def _submitted(self, event: JobSubmissionEvent) -> None:
        with self._changed:
            self._in_flight[event.job_id] += 1
            self._changed.notify_all()

    def _done(self, event: JobExecutionEvent) -> None:
        if event.exception is not None:
            self._record_failure(event)
        with self._changed:
            self._in_flight[event.job_id] -= 1  # may pass 0 for a moment: done before submitted
            self._changed.notify_all()

    def _record_failure(self, event: JobExecutionEvent) -> None:
        assert event.exception is not None
        log.error("scheduled job %s failed: %r", event.job_id, event.exception)
        if self.recorder is None:
            return
        trace = event.traceback or "".join(traceback.format_exception(event.exception))
        try:
            self.recorder(event.job_id, event.exception, trace)
        except Exception:  # the store may be what failed; the log line above still tells
            log.exception("could not record the failure of job %s", event.job_id)


def create_scheduler(
    engine: Engine,
    *,
    grace: float = DEFAULT_GRACE_SECONDS,
    recorder: FailureRecorder | None = None,
) -> ServiceScheduler:
    """A scheduler (not started) keeping its jobs in the store's database, through its engine.

    `recorder` is told of every job that raised (after it is logged); `grace` bounds how long
    `shutdown(wait=True)` waits for running jobs.
    """
    scheduler = ServiceScheduler(
        grace=grace,
        recorder=recorder,
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
        # A run missed while the service was down happens once on start, however late.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone="UTC",
    )
    global _running
    _running = scheduler
    return scheduler


def running_scheduler() -> ServiceScheduler | None:
    """The scheduler this process created (jobs use it to reschedule their siblings)."""
    return _running
