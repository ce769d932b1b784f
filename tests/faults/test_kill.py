"""`kill -9` of a real `exportwatch` process mid-crawl and mid-digest, then a restart.

Nothing read is lost, nothing is sent twice, nothing stays locked, and the scheduler of the
restarted service runs the source's crawl again by itself.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from exportwatch.jobs import _spread
from exportwatch.settings import Settings
from exportwatch.store import Store
from exportwatch.store.tables import DigestRow, SourceRunRow
from tests.faults.mail import KINDS, SUBSCRIBERS, expected_titles, items_per_recipient, setup
from tests.faults.processes import free_port, run_cli, service_env, spawn_cli, wait_until
from tests.faults.slow_smtp import HoldingSMTPServer
from tests.mockserver import FixtureServer

FAIRS = Path(__file__).resolve().parents[1] / "fixtures" / "faults" / "fairs.rss"
FEED_PATH = "faults/fairs.rss"
FAIRS_IN_FEED = 30
INTERVAL = timedelta(minutes=5)  # the shortest schedule a source may have


def quick_source_id() -> str:
    """A source id whose scheduled crawl starts within 2 s of the service (see jobs._spread)."""
    for number in itertools.count():
        candidate = f"slow-fairs-{number}"
        if _spread(candidate, INTERVAL) < timedelta(seconds=2):
            return candidate
    raise AssertionError("unreachable")


def runs(store: Store, source_id: str) -> list[str]:
    query = select(SourceRunRow.status).where(SourceRunRow.source_id == source_id)
    with store.read_session() as session:
        return [str(status) for status in session.scalars(query.order_by(SourceRunRow.id))]


def feed_requests(server: FixtureServer) -> int:
    return sum(1 for request in server.requests if request.path == f"/{FEED_PATH}")


def test_kill_9_mid_crawl_then_restart_stores_every_item_once_and_the_schedule_resumes(
    fault_settings: Settings, child_store: Store, fixture_server: FixtureServer, tmp_path: Path
) -> None:
    source_id = quick_source_id()
    (fault_settings.sources_dir / f"{source_id}.yaml").write_text(
        f"id: {source_id}\nname: Slow fair calendar\nkind: event\ntype: feed\n"
        f"url: {fixture_server.url(FEED_PATH)}\nschedule: every 5m\n",
        encoding="utf-8",
    )
    port = free_port()
    env = service_env(fault_settings, PORT=str(port))
    fixture_server.set(FEED_PATH, body=FAIRS.read_bytes(), delay=20)  # a slow source

    first = spawn_cli(env, "run", log=tmp_path / "first.log")
    try:
        wait_until(
            lambda: feed_requests(fixture_server) == 1,
            timeout=60,
            what=f"the crawl ({[r.target for r in fixture_server.requests]})",
        )
    finally:
        first.kill9()  # mid-crawl: the feed is being read
    assert child_store.count_documents() == 0
    killed_runs = runs(child_store, source_id)

    fixture_server.set(FEED_PATH, body=FAIRS.read_bytes())  # the source answers at once now
    second = spawn_cli(env, "run", log=tmp_path / "second.log")
    try:
        took = wait_until(
            lambda: "success" in runs(child_store, source_id),
            timeout=60,
            what="the scheduled crawl after the restart",
        )
        wait_until(lambda: _healthz(port).get("status") == "ok", timeout=30, what="/healthz")
        assert _healthz(port)["checks"]["scheduler"] == "running"
    finally:
        assert second.stop() == 0, second.output
    assert child_store.count_documents_by_source() == {source_id: FAIRS_IN_FEED}
    assert feed_requests(fixture_server) == 2
    print(f"runs before the restart: {killed_runs}; crawled {took:.1f} s after the restart")


def _healthz(port: int) -> dict[str, Any]:
    try:
        return dict(httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json())
    except httpx.TransportError:
        return {}


def digest_states(store: Store) -> list[tuple[str, str]]:
    with store.read_session() as session:
        rows = session.execute(select(DigestRow.status, DigestRow.message_id))
        return sorted((str(status), str(message_id)) for status, message_id in rows)


def test_kill_9_mid_digest_then_rerun_sends_every_item_once(
    fault_settings: Settings, child_store: Store, tmp_path: Path
) -> None:
    with HoldingSMTPServer(hold=60) as relay:
        url = f"smtp://127.0.0.1:{relay.port}?helo=localhost&timeout=90"
        env = service_env(fault_settings, SMTP_URL=url)
        setup(env)
        at = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)

        killed = spawn_cli(env, "alerts", "run", "--now", at.isoformat(), log=tmp_path / "a.log")
        try:
            assert relay.holding.wait(60), killed.output
        finally:
            killed.kill9()  # mid-digest: the relay holds its answer to the first message
        wait_until(lambda: relay.discarded == 1, timeout=10, what="the relay to drop it")
        [(status, owed_id)] = digest_states(child_store)
        assert status == "intent"  # recorded before the relay saw it

        relay.hold = 0
        rerun = run_cli(env, "alerts", "run", "--now", at.isoformat())  # no lock to wait for
        assert rerun.returncode == 0, rerun.stderr
        again = run_cli(env, "alerts", "run", "--now", (at + timedelta(hours=1)).isoformat())
        assert again.returncode == 0 and "@" not in again.stdout, again.stdout
        messages = relay.messages

    assert sorted(str(m["To"]) for m in messages) == sorted(SUBSCRIBERS)  # one email each
    assert owed_id in {m["Message-ID"] for m in messages}  # the owed one, same Message-ID
    for email, seen in items_per_recipient(messages).items():
        assert set(seen) == expected_titles(KINDS[email])
        assert set(seen.values()) == {1}
    assert {status for status, _ in digest_states(child_store)} == {"sent"}
