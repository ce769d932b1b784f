"""Notices reach the contact and the admins; a relay outage parks them in the outbox."""

from __future__ import annotations

from pydantic import SecretStr

from exportwatch.alerts.delivery import list_outbox
from exportwatch.notices import Notice, Notifier
from exportwatch.settings import Settings
from tests.mockserver import SMTPServer

NOTICE = Notice("fairs", "owner@example.org", "[exportwatch] Fairs: 3 failed runs", "Body.\n")


def test_a_notice_goes_to_the_contact_and_every_admin(
    settings: Settings, smtp_server: SMTPServer
) -> None:
    relay = f"smtp://{smtp_server.host}:{smtp_server.port}?helo=localhost&timeout=5"
    configured = settings.model_copy(
        update={"smtp_url": SecretStr(relay), "admin_emails": ["ops@example.org"]}
    )
    Notifier(configured).send(NOTICE)
    (received,) = smtp_server.wait_for(1)
    assert received.rcpt_tos == ("owner@example.org", "ops@example.org")
    assert received.message["Subject"] == NOTICE.subject


def test_a_relay_outage_parks_the_notice_in_the_outbox(
    settings: Settings, smtp_server: SMTPServer
) -> None:
    relay = f"smtp://{smtp_server.host}:{smtp_server.port}?helo=localhost&timeout=2"
    smtp_server.down()
    Notifier(settings.model_copy(update={"smtp_url": SecretStr(relay)})).send(NOTICE)
    (parked,) = list_outbox(settings.outbox_dir)
    assert "owner@example.org" in parked.to


def test_a_notice_without_recipients_stays_in_the_outbox(settings: Settings) -> None:
    Notifier(settings).send(Notice("fairs", None, "[exportwatch] Fairs: gone", "Body.\n"))
    (kept,) = list_outbox(settings.outbox_dir)
    assert kept.subject == "[exportwatch] Fairs: gone"
