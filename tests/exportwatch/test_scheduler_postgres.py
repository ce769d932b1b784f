"""The scheduler's job store on a real PostgreSQL: the store's engine, as `exportwatch run` uses.

Jobs survive a restart of the scheduler, registering the service's jobs again replaces them
instead of adding copies, and a job kept in PostgreSQL runs (the real index-sync job).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from exportwatch import jobs
from exportwatch.model import Document, Kind
from exportwatch.scheduler import JOBS_TABLE, ServiceScheduler, create_scheduler
from exportwatch.services import Services, open_services
from exportwatch.settings import Settings

SOURCE = "id: fairs\nname: fairs\nkind: event\ntype: feed\nurl: https://example.org/a.rss\n"
SERVICE_JOBS = {"index-sync", "sources-sync", "alerts-run", "housekeeping", "crawl:fairs"}


@pytest.fixture
def pg_services(
    settings: Settings, postgres_database_url: str, tmp_path: Path
) -> Iterator[Services]:
    """Services whose store (and so the job store) is this test's PostgreSQL database."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "fairs.yaml").write_text(SOURCE, encoding="utf-8")
    changes = {"database_url": postgres_database_url, "sources_dir": sources}
    opened = open_services(settings.model_copy(update=changes))
    assert opened.store.engine.dialect.name == "postgresql"
    yield opened
    opened.close()


def started(services: Services) -> ServiceScheduler:
    """A scheduler on the store's engine, started paused: it keeps jobs but runs none."""
    scheduler = create_scheduler(services.store.engine)
    scheduler.start(paused=True)
    return scheduler


def stored_job_ids(services: Services) -> list[str]:
    with services.store.engine.connect() as connection:
        return sorted(connection.execute(text(f"SELECT id FROM {JOBS_TABLE}")).scalars())


def test_jobs_persist_across_a_restart(pg_services: Services) -> None:
    first = started(pg_services)
    jobs.register_jobs(first, pg_services)
    planned = {job.id: job.next_run_time for job in first.get_jobs()}
    first.shutdown(wait=True)
    second = started(pg_services)
    try:
        assert {job.id: job.next_run_time for job in second.get_jobs()} == planned
        assert set(planned) >= SERVICE_JOBS
        assert stored_job_ids(pg_services) == sorted(planned)
    finally:
        second.shutdown(wait=True)


def test_registering_again_keeps_one_job_each(pg_services: Services) -> None:
    scheduler = started(pg_services)
    try:
        jobs.register_jobs(scheduler, pg_services)
        jobs.register_jobs(scheduler, pg_services)
        scheduler.shutdown(wait=True)
        scheduler = started(pg_services)  # and again after a restart, as every `run` does
        jobs.register_jobs(scheduler, pg_services)
        ids = stored_job_ids(pg_services)
        assert len(ids) == len(set(ids)) == len(scheduler.get_jobs())
        assert set(ids) >= SERVICE_JOBS
    finally:
        scheduler.shutdown(wait=True)


def test_a_job_kept_in_postgres_runs(pg_services: Services) -> None:
    fair = Document("fairs:1", Kind.EVENT, "Anuga 2027", "https://example.org/a", "fairs")
    pg_services.store.save_documents([fair])  # queued in the outbox, not yet indexed
    assert pg_services.index.count() == 0
    jobs.bind(pg_services)
    scheduler = started(pg_services)
    try:
        scheduler.add_job("exportwatch.jobs:sync_index", id="sync-now")  # due at once
        assert stored_job_ids(pg_services) == ["sync-now"]  # kept in PostgreSQL, not yet run
        assert pg_services.index.count() == 0
        scheduler.resume()
        deadline = time.monotonic() + 30
        while pg_services.index.count() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pg_services.index.count() == 1
        assert stored_job_ids(pg_services) == []  # a one-off job leaves the store once run
    finally:
        scheduler.shutdown(wait=True)
