"""The scheduler's policy: failures recorded without stopping it, a bounded graceful shutdown."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from exportwatch import jobs
from exportwatch.model import utcnow
from exportwatch.scheduler import ServiceScheduler, create_scheduler
from exportwatch.services import Services

ran = threading.Event()


def explode() -> None:
    """A job that fails (referenced by name: the job store keeps jobs as text)."""
    raise ValueError("the index is on fire")


def note_run() -> None:
    ran.set()


def sleep_for(seconds: float) -> None:
    time.sleep(seconds)


@pytest.fixture
def scheduler(services: Services) -> Iterator[ServiceScheduler]:
    jobs.bind(services)
    created = create_scheduler(services.store.engine, grace=5, recorder=jobs.record_failure)
    ran.clear()
    yield created
    if created.running:
        created.shutdown(wait=False)


def wait_until_running(scheduler: ServiceScheduler) -> None:
    deadline = time.monotonic() + 5
    while not scheduler.running_jobs() and time.monotonic() < deadline:
        time.sleep(0.02)


def run_soon(scheduler: ServiceScheduler, func: str, job_id: str, *args: object) -> None:
    when = utcnow() + timedelta(milliseconds=50)
    scheduler.add_job(func, "date", run_date=when, id=job_id, args=list(args))


def test_a_failed_job_is_recorded_and_the_next_job_still_runs(
    services: Services, scheduler: ServiceScheduler
) -> None:
    scheduler.start()
    run_soon(scheduler, f"{__name__}:explode", "index-sync")
    deadline = time.monotonic() + 5
    while not services.store.list_job_failures() and time.monotonic() < deadline:
        time.sleep(0.05)
    run_soon(scheduler, f"{__name__}:note_run", "alerts-run")
    assert ran.wait(5), "the scheduler stopped running jobs after a failure"
    (failure,) = services.store.list_job_failures()
    assert failure.job_id == "index-sync"
    assert failure.error == "ValueError: the index is on fire"
    assert "explode" in failure.traceback
    assert scheduler.running


def test_jobs_coalesce_misfires_and_never_overlap(scheduler: ServiceScheduler) -> None:
    scheduler.start(paused=True)
    job = scheduler.add_job(f"{__name__}:note_run", "interval", minutes=5, id="every-5")
    assert job.coalesce is True
    assert job.max_instances == 1
    assert job.misfire_grace_time is None  # late runs still happen, once


def test_shutdown_waits_for_a_running_job_within_the_grace_period(
    scheduler: ServiceScheduler,
) -> None:
    scheduler.start()
    run_soon(scheduler, f"{__name__}:sleep_for", "crawl:slow", 0.8)
    wait_until_running(scheduler)
    started = time.monotonic()
    scheduler.shutdown(wait=True)
    assert 0.3 < time.monotonic() - started < 4
    assert scheduler.cut_off == []
    assert scheduler.running_jobs() == []


def test_shutdown_gives_up_after_the_grace_period_and_names_the_job(
    scheduler: ServiceScheduler,
) -> None:
    scheduler.grace = 0.3
    scheduler.start()
    run_soon(scheduler, f"{__name__}:sleep_for", "crawl:stuck", 3)
    wait_until_running(scheduler)
    started = time.monotonic()
    scheduler.shutdown(wait=True)
    assert time.monotonic() - started < 2
    assert scheduler.cut_off == ["crawl:stuck"]
