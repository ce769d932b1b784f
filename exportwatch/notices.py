"""Tell a source's contact and the admins what they need to act on, by email like any other.

Notices go through the same transport as digests (SMTP, or the outbox by default); when the
relay is down they fall back to the outbox, so a notice is delayed or parked, never dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from exportwatch.alerts.delivery import (
    DeliveryError,
    OutboxTransport,
    transport_from_settings,
)
from exportwatch.crawlers import SourceDefinition
from exportwatch.settings import Settings
from exportwatch.store import SourceState

__all__ = ["Notice", "Notifier"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Notice:
    """One message about one source: who should hear it and what it says."""

    source_id: str
    contact: str | None
    subject: str
    body: str

    @classmethod
    def for_failures(cls, definition: SourceDefinition, state: SourceState) -> Notice:
        """The source failed `state.consecutive_failures` times in a row."""
        return cls(
            definition.id,
            definition.contact,
            f"[exportwatch] {definition.name}: {state.consecutive_failures} failed runs in a row",
            f"The source {definition.id} ({definition.name}) failed "
            f"{state.consecutive_failures} times in a row.\n\nLast error: {state.last_error}\n\n"
            "exportwatch keeps retrying with growing pauses; when the source answers again it "
            "recovers by itself. Check its definition with `exportwatch sources preview "
            f"{definition.id}`.\n",
        )

    @classmethod
    def for_quiet(cls, definition: SourceDefinition, since: datetime | None) -> Notice:
        """No new item arrived for longer than the definition's `expect.quiet_days`."""
        when = since.date().isoformat() if since else "never"
        return cls(
            definition.id,
            definition.contact,
            f"[exportwatch] {definition.name}: no new items since {when}",
            f"The source {definition.id} ({definition.name}) brought no new item since {when}, "
            f"more than the {definition.expect.quiet_days} days its definition expects.\n\n"
            "Its runs succeed, so the page or feed may have moved or changed its layout.\n",
        )

    @classmethod
    def for_change(cls, definition: SourceDefinition, text: str) -> Notice:
        """Something about the source changed (a feed moved, or is gone)."""
        return cls(
            definition.id,
            definition.contact,
            f"[exportwatch] {definition.name}: {text[:120]}",
            f"The source {definition.id} ({definition.name}): {text}\n",
        )


class Notifier:
    """Sends notices to the source's contact and every admin address."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, notice: Notice) -> None:
        """Deliver, or park the notice in the outbox when the relay refuses it for now."""
        recipients = [r for r in (notice.contact, *self.settings.admin_emails) if r]
        if not recipients:  # nobody to mail: keep it in the outbox, which the admin UI lists
            log.warning("notice for %s has no recipient: %s", notice.source_id, notice.subject)
            message = self._message(notice, ["admin@localhost"])
            OutboxTransport(self.settings.outbox_dir).send(message)
            return
        message = self._message(notice, recipients)
        try:
            transport_from_settings(self.settings).send(message)
        except DeliveryError as error:
            log.warning("notice for %s parked in the outbox: %s", notice.source_id, error)
            OutboxTransport(self.settings.outbox_dir).send(message)

    def _message(self, notice: Notice, recipients: list[str]) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = ", ".join(recipients)
        message["Subject"] = notice.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid("notice")
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(notice.body)
        return message
