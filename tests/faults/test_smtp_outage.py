"""The SMTP relay down, then answering 451, during `exportwatch alerts run` (a real process).

Each run records the failure and leaves the items pending; later runs retry with backoff; once
the relay is back every subscriber gets every pending item exactly once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from exportwatch.settings import Settings
from exportwatch.store import Store
from exportwatch.store.tables import DeliveryRow, DigestRow, PendingAlertRow
from tests.faults.mail import KINDS, SUBSCRIBERS, expected_titles, items_per_recipient, setup
from tests.faults.processes import run_cli, service_env
from tests.mockserver import SMTPServer


def alerts_run(env: dict[str, str], at: datetime) -> str:
    result = run_cli(env, "alerts", "run", "--now", at.isoformat())
    assert result.returncode == 0, result.stderr
    return result.stdout


def outcomes(output: str, status: str) -> int:
    """How many subscriber lines of `alerts run` report `status`."""
    return sum(1 for line in output.splitlines() if line.split(" ", 1)[0] == status)


def digest_states(store: Store) -> list[tuple[str, int, str | None]]:
    with store.read_session() as session:
        rows = session.execute(select(DigestRow.status, DigestRow.attempts, DigestRow.last_error))
        return sorted((status, attempts, error) for status, attempts, error in rows)


def count(store: Store, table: type[object]) -> int:
    with store.read_session() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_relay_down_then_451_retries_and_delivers_each_item_exactly_once(
    fault_settings: Settings, child_store: Store, smtp_server: SMTPServer
) -> None:
    url = f"smtp://{smtp_server.host}:{smtp_server.port}?helo=localhost&timeout=5"
    env = service_env(fault_settings, SMTP_URL=url)
    setup(env)
    pending = count(child_store, PendingAlertRow)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)

    smtp_server.down()
    output = alerts_run(env, start)
    assert outcomes(output, "retry") == 3 and "Connection refused" in output
    states = digest_states(child_store)
    assert [(status, attempts) for status, attempts, _ in states] == [
        ("intent", 1)
    ] * 3  # owed, retried later
    assert all("Connection refused" in (error or "") for _, _, error in states)

    smtp_server.up()
    smtp_server.reject(451, "4.3.2 Try again later")  # every transaction, until reset
    output = alerts_run(env, start + timedelta(minutes=5))
    assert outcomes(output, "retry") == 3 and "451" in output
    assert [a for _, a, _ in digest_states(child_store)] == [2, 2, 2]

    smtp_server.reset()  # the relay recovers
    assert (
        outcomes(alerts_run(env, start + timedelta(minutes=6)), "sent") == 0
    )  # backoff: not yet due
    output = alerts_run(env, start + timedelta(minutes=15))
    assert outcomes(output, "re-sent") == 3  # the same digests, not new ones
    assert alerts_run(env, start + timedelta(hours=1)).count("@") == 0  # nothing twice

    messages = [captured.message for captured in smtp_server.wait_for(3)]
    assert sorted(str(m["To"]) for m in messages) == sorted(SUBSCRIBERS)  # one email each
    assert len({m["Message-ID"] for m in messages}) == 3
    for email, seen in items_per_recipient(messages).items():
        assert set(seen) == expected_titles(KINDS[email])
        assert set(seen.values()) == {1}  # every item in exactly one message
    assert count(child_store, DeliveryRow) == pending
    assert count(child_store, PendingAlertRow) == 0
    assert {status for status, _, _ in digest_states(child_store)} == {"sent"}
