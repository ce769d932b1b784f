"""The sources table and its actions: run now (scheduler or thread), enable, disable, CSRF."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from fastapi import FastAPI
from fastapi.testclient import TestClient

from exportwatch.model import RunStatus
from exportwatch.services import Services
from exportwatch.store import RunCounts
from exportwatch.web.admin.sources import RUN_NOW_PREFIX
from tests.exportwatch.web.admin.conftest import csrf

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def post(client: TestClient, path: str) -> str:
    response = client.post(path, data={"csrf_token": csrf(client, "/admin")})
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def test_the_table_shows_health_freshness_and_actions(
    admin: TestClient, admin_services: Services
) -> None:
    store = admin_services.store
    run = store.start_run("fairs")
    store.finish_run(run, RunStatus.FAILED, first_error="HTTP 500", problems=["HTTP 500"])
    page = admin.get("/admin")
    assert page.status_code == 200
    assert "Fair calendar" in page.text and "every 6h" in page.text
    assert "failed" in page.text and "HTTP 500" in page.text
    assert 'action="/admin/sources/fairs/run"' in page.text
    assert 'action="/admin/sources/fairs/disable"' in page.text
    assert 'href="/admin/runs?source=fairs"' in page.text


def test_broken_definitions_are_listed_with_their_problem(
    admin: TestClient, admin_services: Services
) -> None:
    folder = admin_services.settings.sources_dir
    (folder / "broken.yaml").write_text("id: broken\nname: x\nkind: event\ntype: nope\n")
    page = admin.get("/admin")
    assert "broken.yaml" in page.text and "unknown type" in page.text
    assert 'href="/admin/sources/broken/edit"' in page.text


def test_run_now_without_a_scheduler_crawls_in_the_background(
    admin: TestClient, app: FastAPI, admin_services: Services
) -> None:
    location = post(admin, "/admin/sources/fairs/run")
    assert location == "/admin?notice=queued&source=fairs"
    assert "A crawl of fairs is queued" in admin.get(location).text
    app.state.admin_crawls["fairs"].join(timeout=60)
    (run,) = admin_services.store.list_runs("fairs")
    assert run.status is RunStatus.SUCCESS and run.counts.new == 3


@pytest.fixture
def paused_scheduler(app: FastAPI) -> Iterator[BackgroundScheduler]:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)  # jobs are added but never run in this test
    app.state.scheduler = scheduler
    yield scheduler
    scheduler.shutdown(wait=False)


def test_run_now_with_a_scheduler_adds_one_coalesced_job(
    admin: TestClient, paused_scheduler: BackgroundScheduler, admin_services: Services
) -> None:
    admin_services.store.update_source_state("fairs", next_run_at=None)
    post(admin, "/admin/sources/fairs/run")
    post(admin, "/admin/sources/fairs/run")
    jobs = [job for job in paused_scheduler.get_jobs() if job.id.startswith(RUN_NOW_PREFIX)]
    assert [(job.id, job.args) for job in jobs] == [("run-now:fairs", ("fairs",))]
    assert jobs[0].func_ref == "exportwatch.jobs:crawl_source"
    assert jobs[0].next_run_time is not None


def test_disable_and_enable_use_the_stored_flag(
    admin: TestClient, admin_services: Services
) -> None:
    assert post(admin, "/admin/sources/fairs/disable").endswith("notice=disabled&source=fairs")
    state = admin_services.store.get_source_state("fairs")
    assert state is not None and not state.enabled
    assert state.disabled_reason and "disabled by an admin" in state.disabled_reason
    page = admin.get("/admin").text
    assert 'action="/admin/sources/fairs/enable"' in page
    assert 'action="/admin/sources/fairs/run"' not in page
    assert post(admin, "/admin/sources/fairs/run").endswith("notice=inactive&source=fairs")
    post(admin, "/admin/sources/fairs/enable")
    state = admin_services.store.get_source_state("fairs")
    assert state is not None and state.enabled and state.disabled_reason is None


def test_a_410_disabled_source_can_be_enabled(admin: TestClient, admin_services: Services) -> None:
    reason = "HTTP 410 Gone at https://example.org/feed (2026-01-01)"
    admin_services.store.update_source_state("fairs", enabled=False, disabled_reason=reason)
    assert reason in admin.get("/admin").text
    post(admin, "/admin/sources/fairs/enable")
    state = admin_services.store.get_source_state("fairs")
    assert state is not None and state.enabled


def test_actions_on_unknown_sources_are_404(admin: TestClient) -> None:
    token = csrf(admin, "/admin")
    for action in ("run", "enable", "disable"):
        response = admin.post(f"/admin/sources/nope/{action}", data={"csrf_token": token})
        assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/admin/sources/fairs/run",
        "/admin/sources/fairs/enable",
        "/admin/sources/fairs/disable",
        "/admin/sources/new",
        "/admin/sources/fairs/edit",
        "/admin/logout",
    ],
)
def test_every_post_needs_the_csrf_token(
    admin: TestClient, admin_services: Services, path: str
) -> None:
    admin.get("/admin")
    response = admin.post(path, data={"definition": "id: x\n", "action": "save"})
    assert response.status_code == 403
    assert "did not come from this site" in response.text
    assert admin_services.store.get_source_state("fairs") is None
    assert not (admin_services.settings.sources_dir / "x.yaml").exists()
    assert admin.get("/admin").status_code == 200  # still logged in


def test_hostile_names_and_problems_are_inert(admin: TestClient, admin_services: Services) -> None:
    folder = admin_services.settings.sources_dir
    text = (folder / "fairs.yaml").read_text().replace("Fair calendar", f"'{HOSTILE}'")
    (folder / "fairs.yaml").write_text(text)
    store = admin_services.store
    run = store.start_run("fairs")
    store.finish_run(
        run, RunStatus.DEGRADED, counts=RunCounts(seen=1), first_error=HOSTILE, problems=[HOSTILE]
    )
    for path in ("/admin", "/admin/runs", "/admin/runs?source=fairs"):
        page = admin.get(path).text
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;alert(" in page
    assert not re.search(r"<[^>]+onerror=", admin.get("/admin").text)
