"""The scheduler's jobs: one crawl job per enabled source, kept in step with the definitions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from exportwatch import jobs
from exportwatch.alerts.matching_run import match_documents
from exportwatch.model import (
    Document,
    Frequency,
    Kind,
    RunStatus,
    Subscriber,
    Subscription,
    utcnow,
)
from exportwatch.scheduler import create_scheduler
from exportwatch.services import Services
from tests.mockserver import FixtureServer

FEED_SOURCE = "id: {id}\nname: {id}\nkind: event\ntype: feed\nurl: {url}\nschedule: {schedule}\n"


@pytest.fixture
def scheduler(services: Services) -> Iterator[BackgroundScheduler]:
    created = create_scheduler(services.store.engine)
    created.start(paused=True)
    yield created
    created.shutdown(wait=False)


def write_source(folder: Path, source_id: str, url: str, schedule: str = "every 1h") -> None:
    text = FEED_SOURCE.format(id=source_id, url=url, schedule=schedule)
    (folder / f"{source_id}.yaml").write_text(text, encoding="utf-8")


@pytest.fixture
def sources(services: Services, tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    services.settings = services.settings.model_copy(update={"sources_dir": folder})
    return folder


def test_each_enabled_source_gets_a_job_and_removed_ones_lose_it(
    services: Services, scheduler: BackgroundScheduler, sources: Path
) -> None:
    write_source(sources, "fairs", "https://example.org/a.rss")
    write_source(sources, "rules", "https://example.org/b.rss", schedule='"0 6 * * 1-5"')
    jobs.register_jobs(scheduler, services)
    ids = {job.id for job in scheduler.get_jobs()}
    jobs_wanted = {"index-sync", "sources-sync", "alerts-run", "housekeeping"}
    assert jobs_wanted | {"crawl:fairs", "crawl:rules"} <= ids
    (sources / "rules.yaml").write_text("id: rules\nname: [broken", encoding="utf-8")
    assert jobs.sync_source_jobs(scheduler, services) == ["fairs"]
    assert "crawl:rules" not in {job.id for job in scheduler.get_jobs()}


def test_interval_jobs_start_at_a_stable_per_source_offset(services: Services) -> None:
    hour = timedelta(hours=1)
    assert jobs._spread("fairs", hour) == jobs._spread("fairs", hour) < hour
    assert jobs._spread("fairs", hour) != jobs._spread("rules", hour)


def test_a_crawl_job_runs_the_source_unless_it_is_backing_off(
    services: Services, sources: Path, fixture_server: FixtureServer
) -> None:
    write_source(sources, "fairs", fixture_server.url("feeds/rss20-ttl.rss"))
    jobs.bind(services)
    jobs.crawl_source("fairs")
    assert services.store.count_documents() == 3
    services.store.update_source_state("fairs", next_run_at=utcnow() + timedelta(hours=2))
    requests = len(fixture_server.requests)
    jobs.crawl_source("fairs")
    assert len(fixture_server.requests) == requests  # skipped: not due yet


def test_run_now_and_the_schedule_never_crawl_one_source_at_once(
    services: Services, sources: Path, fixture_server: FixtureServer
) -> None:
    write_source(sources, "fairs", fixture_server.url("feeds/rss20-ttl.rss"))
    jobs.bind(services)
    with jobs._exclusive("fairs") as mine:  # the scheduled crawl is running
        assert mine
        jobs.crawl_source("fairs")  # "run now" meanwhile
        assert len(fixture_server.requests) == 0
    jobs.crawl_source("fairs")
    assert services.store.count_documents() == 3


def test_a_disabled_source_is_not_crawled_until_enabled(
    services: Services, sources: Path, fixture_server: FixtureServer
) -> None:
    write_source(sources, "fairs", fixture_server.url("feeds/rss20-ttl.rss"))
    jobs.bind(services)
    services.store.update_source_state("fairs", enabled=False, disabled_reason="by an admin")
    jobs.crawl_source("fairs")
    assert (len(fixture_server.requests), services.store.count_documents()) == (0, 0)
    services.store.update_source_state("fairs", enabled=True, disabled_reason=None)
    jobs.crawl_source("fairs")
    assert services.store.count_documents() == 3


def test_the_digest_job_sends_what_is_due(services: Services) -> None:
    subscriber = Subscriber(id=None, email="sme@example.org")
    immediate = Subscription(id=None, subscriber_id=None, frequency=Frequency.IMMEDIATE)
    services.store.enrol_subscriber(subscriber, [immediate], confirmed=True, now=utcnow())
    fair = Document("fairs:1", Kind.EVENT, "Anuga 2027", "https://example.org/a", "fairs")
    services.store.save_documents([fair])
    match_documents(services.store, services.taxonomy, [fair.id])
    jobs.bind(services)
    jobs.send_digests()
    assert len(list(services.settings.outbox_dir.glob("*.eml"))) == 1
    jobs.send_digests()  # nothing new is due
    assert len(list(services.settings.outbox_dir.glob("*.eml"))) == 1


def test_housekeeping_forgets_old_runs_but_keeps_recent_ones(services: Services) -> None:
    store = services.store
    old = store.start_run("fairs", now=utcnow() - timedelta(days=200))
    store.finish_run(old, RunStatus.SUCCESS, now=utcnow() - timedelta(days=200))
    recent = store.start_run("fairs")
    store.finish_run(recent, RunStatus.FAILED)
    jobs.bind(services)
    jobs.housekeeping()
    assert [run.id for run in store.list_runs("fairs")] == [recent]
    state = store.get_source_state("fairs")
    assert state is not None and state.consecutive_failures == 1  # health is untouched


def test_a_crawl_cut_off_by_a_stop_is_closed_matched_and_brought_forward(
    services: Services, scheduler: BackgroundScheduler, sources: Path
) -> None:
    write_source(sources, "fairs", "https://example.org/a.rss")
    subscriber = Subscriber(id=None, email="sme@example.org")
    immediate = Subscription(id=None, subscriber_id=None, frequency=Frequency.IMMEDIATE)
    services.store.enrol_subscriber(subscriber, [immediate], confirmed=True, now=utcnow())
    cut_off = services.store.start_run("fairs", now=utcnow() - timedelta(minutes=1))
    fair = Document("fairs:1", Kind.EVENT, "Anuga 2027", "https://example.org/a", "fairs")
    services.store.save_documents([fair])  # stored, then the process died before matching
    jobs.register_jobs(scheduler, services)
    (run,) = services.store.list_runs("fairs")
    assert run.id == cut_off and run.status is RunStatus.FAILED
    assert run.first_error == jobs.INTERRUPTED and run.finished_at is not None
    assert [alert.document_id for alert in services.store.pending_for(1)] == ["fairs:1"]
    job = scheduler.get_job("crawl:fairs")
    assert job is not None and job.next_run_time <= utcnow()
    state = services.store.get_source_state("fairs")
    assert state is not None and state.consecutive_failures == 0  # not the source's fault


def test_housekeeping_forgets_old_job_failures(services: Services) -> None:
    store = services.store
    store.record_job_failure("index-sync", "OSError: disk full", now=utcnow() - timedelta(days=200))
    recent = store.record_job_failure("alerts-run", "ConfigError: no MAIL_FROM")
    jobs.bind(services)
    jobs.housekeeping()
    assert [failure.id for failure in store.list_job_failures()] == [recent]


def test_resyncing_unchanged_definitions_keeps_each_crawls_next_run(
    services: Services, scheduler: BackgroundScheduler, sources: Path
) -> None:
    write_source(sources, "fairs", "https://example.org/a.rss", schedule="every 1d")
    jobs.sync_source_jobs(scheduler, services)
    first = scheduler.get_job("crawl:fairs").next_run_time
    assert utcnow() < first <= utcnow() + timedelta(days=1)
    jobs.sync_source_jobs(scheduler, services)  # every five minutes in the service
    assert scheduler.get_job("crawl:fairs").next_run_time == first  # not pushed out again
    write_source(sources, "fairs", "https://example.org/a.rss", schedule="every 1h")
    jobs.sync_source_jobs(scheduler, services)
    assert scheduler.get_job("crawl:fairs").next_run_time <= utcnow() + timedelta(hours=1)
