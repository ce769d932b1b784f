"""The background scheduler: APScheduler 3 with its job store in the store's database.

Jobs are registered by the stages that own them (source crawls, index sync, digests); this
module only owns the scheduler's policy: persistent jobs, coalesced misfires, one instance of a
job at a time, and failures logged without stopping the scheduler.
"""

from __future__ import annotations

import logging

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

__all__ = ["JOBS_TABLE", "create_scheduler", "running_scheduler"]

JOBS_TABLE = "apscheduler_jobs"
log = logging.getLogger(__name__)
_running: BackgroundScheduler | None = None


def create_scheduler(engine: Engine) -> BackgroundScheduler:
    """A scheduler (not started) keeping its jobs in the store's database, through its engine."""
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone="UTC",
    )
    scheduler.add_listener(_log_failure, EVENT_JOB_ERROR)
    global _running
    _running = scheduler
    return scheduler


def running_scheduler() -> BackgroundScheduler | None:
    """The scheduler this process created (jobs use it to reschedule their siblings)."""
    return _running


def _log_failure(event: JobExecutionEvent) -> None:
    log.error("scheduled job %s failed: %r", event.job_id, event.exception)
