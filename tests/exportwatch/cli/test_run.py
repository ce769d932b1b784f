"""`exportwatch run` serves /healthz and the search page (the `make run` path), its scheduler
indexes what the store holds, and it stops cleanly on Ctrl-C or SIGTERM: a crawl in flight
finishes within the grace period, or is cut off and resumed on the next start."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from exportwatch.model import Document, RunStatus
from exportwatch.search.embedded import EmbeddedIndex
from exportwatch.store import RunRecord, Store
from exportwatch.taxonomy import load_taxonomy
from tests.mockserver import FixtureServer
from tests.search.conftest import CORPUS

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[str], timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"service exited early:\n{process.communicate()[0]}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def store_corpus_unsynced(data_dir: Path) -> int:
    """Save the search corpus into the store only: the service's sync job must index it."""
    store = Store.from_url(f"sqlite:///{data_dir / 'exportwatch.db'}")
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    saved = store.save_documents(Document.from_json(json.loads(line)) for line in lines)
    store.close()
    return len(saved.new)


def indexed_count(data_dir: Path, timeout: float = 30) -> int:
    """The embedded index's document count once the service has synced (or after `timeout`)."""
    index = EmbeddedIndex(load_taxonomy(ROOT / "config"), data_dir / "index.sqlite3")
    try:
        deadline = time.monotonic() + timeout
        while index.count() == 0 and time.monotonic() < deadline:
            time.sleep(0.3)
        return index.count()
    finally:
        index.close()


def test_run_serves_health_and_search_page_then_stops_on_sigint(tmp_path: Path) -> None:
    port = free_port()
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    saved = store_corpus_unsynced(data_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXPORTWATCH_")}
    env |= {
        "EXPORTWATCH_DATA_DIR": str(data_dir),
        "EXPORTWATCH_PORT": str(port),
        "EXPORTWATCH_INDEX_SYNC_SECONDS": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "exportwatch", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = wait_for(f"http://127.0.0.1:{port}/healthz", process)
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        indexed = indexed_count(data_dir)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert health.json()["status"] == "ok"
    assert health.json()["checks"]["scheduler"] == "running"
    assert "Search export information" in page.text
    assert indexed == saved == 24  # the scheduled index sync drained the store's outbox
    assert process.returncode == 0, output
    assert (tmp_path / "var" / "exportwatch.db").exists()
    assert "index embedded SQLite index" in output


FEED = "feeds/rss20-ttl.rss"  # three items


def service_env(data_dir: Path, port: int, sources: Path, grace: float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXPORTWATCH_")}
    return env | {
        "EXPORTWATCH_DATA_DIR": str(data_dir),
        "EXPORTWATCH_PORT": str(port),
        "EXPORTWATCH_SOURCES_DIR": str(sources),
        "EXPORTWATCH_ALLOW_PRIVATE_NETWORKS": "true",
        "EXPORTWATCH_SHUTDOWN_GRACE": str(grace),
    }


def start_service(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "exportwatch", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_service(process: subprocess.Popen[str], timeout: float = 60) -> tuple[float, str]:
    """SIGTERM; the seconds until the process ended, and its output."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=timeout)
    return time.monotonic() - started, output


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def a_cut_off_crawl_of_fairs(tmp_path: Path, fixture_server: FixtureServer) -> tuple[Path, Path]:
    """A data dir whose last stop cut off a crawl of `fairs`: the next start resumes it now."""
    data_dir, sources = tmp_path / "var", tmp_path / "sources"
    data_dir.mkdir()
    sources.mkdir()
    (sources / "fairs.yaml").write_text(
        f"id: fairs\nname: Fairs\nkind: event\ntype: feed\nurl: {fixture_server.url(FEED)}\n"
        "schedule: every 12h\n",
        encoding="utf-8",
    )
    with Store.from_url(f"sqlite:///{data_dir / 'exportwatch.db'}") as store:
        store.start_run("fairs")
    return data_dir, sources


def fairs_runs(data_dir: Path) -> list[RunRecord]:
    with Store.from_url(f"sqlite:///{data_dir / 'exportwatch.db'}") as store:
        return store.list_runs("fairs")


def feed_requested(fixture_server: FixtureServer) -> bool:
    return any(request.path == f"/{FEED}" for request in fixture_server.requests)


def test_sigterm_during_a_crawl_lets_it_finish_then_exits_cleanly(
    tmp_path: Path, fixture_server: FixtureServer
) -> None:
    data_dir, sources = a_cut_off_crawl_of_fairs(tmp_path, fixture_server)
    fixture_server.set(FEED, delay=3)
    port = free_port()
    process = start_service(service_env(data_dir, port, sources, grace=30))
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process)
        wait_until(lambda: feed_requested(fixture_server))
    finally:
        seconds, output = stop_service(process)
    assert process.returncode == 0, output
    assert seconds < 30, output
    assert f"open http://127.0.0.1:{port}/" in output
    finished, interrupted = fairs_runs(data_dir)
    assert interrupted.status is RunStatus.FAILED and "interrupted" in (
        interrupted.first_error or ""
    )
    assert finished.status is RunStatus.SUCCESS, output
    assert finished.counts.new == 3


def test_a_crawl_cut_off_after_the_grace_period_is_resumed_on_the_next_start(
    tmp_path: Path, fixture_server: FixtureServer
) -> None:
    data_dir, sources = a_cut_off_crawl_of_fairs(tmp_path, fixture_server)
    fixture_server.set(FEED, delay=15)
    port = free_port()
    process = start_service(service_env(data_dir, port, sources, grace=1))
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process)
        wait_until(lambda: feed_requested(fixture_server))
    finally:
        seconds, output = stop_service(process)
    assert process.returncode == 0, output
    assert seconds < 8, output
    assert "jobs still running after 1 s: crawl:fairs" in output
    assert fairs_runs(data_dir)[0].status is RunStatus.RUNNING  # cut off

    fixture_server.set(FEED)  # answers at once now
    process = start_service(service_env(data_dir, port, sources, grace=30))
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process)
        wait_until(lambda: fairs_runs(data_dir)[0].status is not RunStatus.RUNNING)
    finally:
        _, output = stop_service(process)
    assert process.returncode == 0, output
    resumed, *earlier = fairs_runs(data_dir)
    assert resumed.status is RunStatus.SUCCESS and resumed.counts.new == 3, output
    assert [run.status for run in earlier] == [RunStatus.FAILED, RunStatus.FAILED]
    with Store.from_url(f"sqlite:///{data_dir / 'exportwatch.db'}") as store:
        assert store.count_documents() == 3
