"""The digest run: one email per due subscriber, recorded before it is sent, exactly once.

A run first sends again what an earlier run left unsent (a crash between handing a digest
over and recording it, or a failure whose retry time has come), with the same Message-ID and
documents. Then each due subscriber gets one digest combining the pending alerts of their due
subscriptions, plus reminders of deadlines closing soon. Every digest is recorded with its
deliveries before the relay sees it and marked sent after; temporary failures are retried
with backoff, hard bounces release the items and, repeated, disable the address.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Literal, Protocol

from exportwatch.alerts.delivery import (
    DeliveryError,
    PermanentDeliveryError,
    Transport,
    transport_from_settings,
)
from exportwatch.alerts.digest_model import DigestItem, make_digest, make_message_id
from exportwatch.alerts.messages import digest_message, safe_url
from exportwatch.alerts.reasons import describe
from exportwatch.alerts.scheduling import DueSubscription, due_subscriptions, local_today, zone_of
from exportwatch.alerts.subscribing import link_url
from exportwatch.alerts.tokens import TokenPurpose
from exportwatch.errors import ConfigError
from exportwatch.model import Document, Frequency, Subscriber, utcnow
from exportwatch.settings import Settings
from exportwatch.store import ClosingSoonDelivery, DigestRecord, PendingAlert, Store
from exportwatch.store.digests import BOUNCE_LIMIT
from exportwatch.taxonomy import Taxonomy

__all__ = [
    "BOUNCE_LIMIT",
    "CLOSING_SOON_DAYS",
    "CLOSING_SOON_LIMIT",
    "MAX_ITEMS",
    "RELAY_DOWN_AFTER",
    "DigestOutcome",
    "DigestPlan",
    "DigestRunReport",
    "DigestServices",
    "OutcomeStatus",
    "plan_digest",
    "retry_delay",
    "run_digests",
]

MAX_ITEMS = 40  # per email, reminders included, so Gmail does not clip the unsubscribe footer
CLOSING_SOON_LIMIT = 10  # reminders per email, soonest deadline first
CLOSING_SOON_DAYS = 14
RELAY_DOWN_AFTER = 3  # temporary failures in a row that end a run's sending: the relay is down
FIRST_RETRY = timedelta(minutes=5)
LAST_RETRY = timedelta(hours=6)

OutcomeStatus = Literal["sent", "retry", "bounced", "disabled", "dropped", "would_send"]


class DigestServices(Protocol):
    """What a run needs of `exportwatch.services.Services`."""

    @property
    def settings(self) -> Settings: ...

    @property
    def taxonomy(self) -> Taxonomy: ...

    @property
    def store(self) -> Store: ...


@dataclass(frozen=True, slots=True)
class DigestPlan:
    """What one subscriber's digest holds before it is recorded.

    `new` has one pending alert per document, oldest match first; `held_back` counts the
    ready alerts beyond MAX_ITEMS, which wait for the next run.
    """

    subscriber: Subscriber
    new: list[PendingAlert]
    closing_soon: list[ClosingSoonDelivery]
    frequencies: tuple[Frequency, ...]
    slot: datetime
    held_back: int = 0


@dataclass(frozen=True, slots=True)
class DigestOutcome:
    """What happened to one subscriber's digest in a run; `resent` for an earlier digest."""

    subscriber_id: int
    email: str
    status: OutcomeStatus
    items: int
    closing_soon: int = 0
    message_id: str | None = None
    resent: bool = False
    retry_at: datetime | None = None
    error: str | None = None
    held_back: int = 0
    hard_bounces: int = 0


@dataclass(slots=True)
class DigestRunReport:
    """Every subscriber's outcome, and whether sending stopped early because the relay is down.

    `waiting` counts the subscribers not looked at when sending stopped (some may have had
    nothing due); their alerts stay pending for a later run.
    """

    now: datetime
    dry_run: bool
    outcomes: list[DigestOutcome] = field(default_factory=list)
    relay_down: bool = False
    waiting: int = 0

    def count(self, *statuses: OutcomeStatus) -> int:
        """How many outcomes have one of `statuses`."""
        return sum(1 for outcome in self.outcomes if outcome.status in statuses)

    @property
    def items_sent(self) -> int:
        """New items handed over in this run (reminders not counted)."""
        return sum(outcome.items for outcome in self.outcomes if outcome.status == "sent")


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 5 minutes, doubling, at most 6 hours."""
    return min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 16)), LAST_RETRY)


def run_digests(
    services: DigestServices,
    *,
    transport: Transport | None = None,
    now: datetime | None = None,
    frequencies: Collection[Frequency] | None = None,
    dry_run: bool = False,
    source_names: Mapping[str, str] | None = None,
    on_outcome: Callable[[DigestOutcome], None] | None = None,
) -> DigestRunReport:
    """Reconcile what is owed, then send every due subscriber one digest.

    `frequencies` limits the subscriptions considered due (all by default; unsent digests are
    always reconciled). A dry run records and sends nothing and reports what would go.
    Raises ConfigError when `BASE_URL`, `MAIL_FROM` or `SMTP_URL` cannot make emails.
    """
    _check_settings(services.settings)
    if transport is None and not dry_run:
        transport = _transport(services.settings)
    clock = now or utcnow()
    run = _Run(
        services=services,
        transport=transport,
        now=clock,
        source_names=source_names or {},
        report=DigestRunReport(now=clock, dry_run=dry_run),
        on_outcome=on_outcome,
    )
    deliverable = {
        person.id: person
        for person in services.store.deliverable_subscribers(run.now)
        if person.id is not None
    }
    served = run.reconcile(deliverable)
    if not run.report.relay_down:
        run.send_new(deliverable, served, frozenset(frequencies or Frequency))
    return run.report


def plan_digest(
    subscriber: Subscriber,
    due: Sequence[DueSubscription],
    pending: Iterable[PendingAlert],
    reminders: Callable[[], list[ClosingSoonDelivery]],
) -> DigestPlan | None:
    """The digest for `subscriber` from their due subscriptions, or None when nothing is ready.

    An alert is ready when its subscription is due and it was matched by the subscription's
    slot (later matches wait for the next slot). Reminders (fetched only when needed) join a
    digest with new items, or go alone when a daily or weekly slot has not been served yet.
    """
    slots = {entry.subscription.id: entry.slot for entry in due}
    ready: dict[str, PendingAlert] = {}
    for alert in pending:
        slot = slots.get(alert.subscription_id)
        if slot is not None and alert.matched_at <= slot:
            ready.setdefault(alert.document_id, alert)
    with_items = {alert.subscription_id for alert in ready.values()}
    serving = [d for d in due if d.unserved or d.subscription.id in with_items]
    if not serving:
        return None
    closing = reminders()[:CLOSING_SOON_LIMIT]
    if not ready and not closing:
        return None
    ordered = sorted(ready.values(), key=lambda alert: (alert.matched_at, alert.id))
    room = MAX_ITEMS - len(closing)
    return DigestPlan(
        subscriber=subscriber,
        new=ordered[:room],
        closing_soon=closing,
        frequencies=tuple(dict.fromkeys(d.subscription.frequency for d in serving)),
        slot=max(d.slot for d in serving),
        held_back=max(len(ordered) - room, 0),
    )


@dataclass(slots=True)
class _Run:
    """One run's state: the clock, the transport, and failures in a row (relay down)."""

    services: DigestServices
    transport: Transport | None
    now: datetime
    source_names: Mapping[str, str]
    report: DigestRunReport
    on_outcome: Callable[[DigestOutcome], None] | None
    failures_in_a_row: int = 0

    @property
    def store(self) -> Store:
        return self.services.store

    def reconcile(self, deliverable: Mapping[int, Subscriber]) -> set[int]:
        """Send again the digests owed now; returns the subscribers they went to (or would)."""
        served: set[int] = set()
        owed = self.store.unsent_digests(self.now)
        for number, record in enumerate(owed):
            if self.report.relay_down:
                self.report.waiting += len({r.subscriber_id for r in owed[number:]} - served)
                break
            subscriber = deliverable.get(record.subscriber_id)
            if subscriber is None:
                self._drop_if_closed(record)
                continue
            served.add(record.subscriber_id)
            if self.report.dry_run:
                self._record(_would_send(subscriber, record, resent=True))
            else:
                self._send(subscriber, record, resent=True)
        return served

    def send_new(
        self,
        deliverable: Mapping[int, Subscriber],
        served: set[int],
        frequencies: frozenset[Frequency],
    ) -> None:
        """One digest per due subscriber who is owed nothing from earlier runs."""
        store = self.store
        skip = served | store.subscribers_awaiting_retry()
        with_pending = set(store.pending_subscribers())
        reminded = self._reminder_candidates()
        subscriptions = store.subscriptions_by_subscriber()
        last = {frequency: store.last_digest_slots(frequency) for frequency in Frequency}
        candidates = sorted((with_pending | reminded) - skip)
        for number, subscriber_id in enumerate(candidates):
            subscriber = deliverable.get(subscriber_id)
            if subscriber is None:
                continue
            if self.report.relay_down:
                self.report.waiting += len(candidates) - number
                return
            zone = zone_of(subscriber.timezone)
            due = due_subscriptions(
                subscriptions.get(subscriber_id, []),
                zone,
                self.now,
                {frequency: last[frequency].get(subscriber_id) for frequency in Frequency},
                frequencies,
            )
            pending = store.pending_for(subscriber_id) if subscriber_id in with_pending else []
            today = local_today(self.now, zone)
            reminders = functools.partial(
                store.delivered_closing_soon, subscriber_id, today, CLOSING_SOON_DAYS
            )
            plan = plan_digest(
                subscriber, due, pending, reminders if subscriber_id in reminded else list
            )
            if plan is not None:
                self._start(plan)

    def _start(self, plan: DigestPlan) -> None:
        subscriber = plan.subscriber
        assert subscriber.id is not None
        new_ids = [alert.document_id for alert in plan.new]
        closing_ids = [item.document_id for item in plan.closing_soon]
        if self.report.dry_run:
            self._record(
                DigestOutcome(
                    subscriber.id,
                    subscriber.email,
                    "would_send",
                    len(new_ids),
                    len(closing_ids),
                    held_back=plan.held_back,
                )
            )
            return
        reasons = {alert.document_id: alert.reason for alert in plan.new}
        reasons.update({item.document_id: item.reason or "" for item in plan.closing_soon})
        message_id = make_message_id(
            subscriber.id,
            [*new_ids, *closing_ids, f"slot:{plan.slot.isoformat()}"],
            self.services.settings.base_url,
        )
        record = self.store.begin_digest(
            subscriber.id,
            message_id,
            new_ids,
            plan.frequencies,
            plan.slot,
            self.now,
            reasons=reasons,
            closing_soon_ids=closing_ids,
        )
        if record is not None and record.created:  # else: delivered already, or owed earlier
            self._send(subscriber, record, held_back=plan.held_back)

    def _send(
        self,
        subscriber: Subscriber,
        record: DigestRecord,
        *,
        resent: bool = False,
        held_back: int = 0,
    ) -> None:
        documents = {doc.id: doc for doc in self.store.get_documents(_all_ids(record))}
        new = [documents[i] for i in record.document_ids if i in documents]
        closing = [documents[i] for i in record.closing_soon_ids if i in documents]
        base = DigestOutcome(
            record.subscriber_id,
            subscriber.email,
            "sent",
            len(new),
            len(closing),
            message_id=record.message_id,
            resent=resent,
            held_back=held_back,
        )
        if not new and not closing:
            self.store.abandon_digest(record.id, "its documents are no longer stored")
            self._record(replace(base, status="dropped", error="documents no longer stored"))
            return
        try:
            message = self._compose(subscriber, record, new, closing, held_back)
        except ValueError as error:  # settings were checked: the recipient address is unusable
            self._bounced(record, base, str(error))
            return
        self._deliver(record, message, base)

    def _deliver(self, record: DigestRecord, message: EmailMessage, base: DigestOutcome) -> None:
        assert self.transport is not None
        try:
            self.transport.send(message)
        except PermanentDeliveryError as error:
            if error.stage == "rcpt":
                self.failures_in_a_row = 0
                self._bounced(record, base, str(error))
            else:  # sender or content refused: not the address's fault; retried slowly
                self._failed(record, base, str(error))
        except DeliveryError as error:
            self._failed(record, base, str(error))
        else:
            self.failures_in_a_row = 0
            self.store.mark_sent(record.id, self.now)
            self._record(base)

    def _failed(self, record: DigestRecord, base: DigestOutcome, error: str) -> None:
        retry_at = self.now + retry_delay(record.attempts + 1)
        self.store.mark_failed_temporarily(record.id, error, retry_at)
        self._record(replace(base, status="retry", retry_at=retry_at, error=error))
        self.failures_in_a_row += 1
        if self.failures_in_a_row >= RELAY_DOWN_AFTER:
            self.report.relay_down = True

    def _bounced(self, record: DigestRecord, base: DigestOutcome, error: str) -> None:
        outcome = self.store.mark_bounced(record.id, error, self.now)
        bounces = outcome.hard_bounces if outcome else 0
        status: OutcomeStatus = "disabled" if outcome and outcome.disabled else "bounced"
        self._record(replace(base, status=status, error=error, hard_bounces=bounces))

    def _compose(
        self,
        subscriber: Subscriber,
        record: DigestRecord,
        new: list[Document],
        closing: list[Document],
        held_back: int,
    ) -> EmailMessage:
        settings, taxonomy = self.services.settings, self.services.taxonomy
        assert subscriber.id is not None

        def item(document: Document, closing_soon: bool) -> DigestItem:
            reason = record.reasons.get(document.id, "")
            text = describe(reason, taxonomy, subscriber.language) if reason else ""
            return DigestItem(document, text, closing_soon=closing_soon)

        digest = make_digest(
            subscriber,
            [*(item(doc, False) for doc in new), *(item(doc, True) for doc in closing)],
            message_id=record.message_id,
            unsubscribe_url=link_url(
                settings, TokenPurpose.UNSUBSCRIBE, subscriber.id, now=self.now
            ),
            manage_url=link_url(settings, TokenPurpose.MANAGE, subscriber.id, now=self.now),
            generated_at=record.created_at,
            source_names=self.source_names,
            more_waiting=held_back,
        )
        return digest_message(digest, mail_from=settings.mail_from)

    def _drop_if_closed(self, record: DigestRecord) -> None:
        """An owed digest of someone who unsubscribed or was disabled is given up; one of a
        subscriber in a bounce pause waits."""
        state = self.store.address_state(record.subscriber_id)
        if state is not None and not state.closed:
            return
        if not self.report.dry_run:
            self.store.abandon_digest(record.id, "the address no longer receives digests")

    def _reminder_candidates(self) -> set[int]:
        today = self.now.date()  # every zone's today is within a day of UTC's
        return self.store.subscribers_with_closing_soon(
            today - timedelta(days=1), today + timedelta(days=CLOSING_SOON_DAYS + 1)
        )

    def _record(self, outcome: DigestOutcome) -> None:
        self.report.outcomes.append(outcome)
        if self.on_outcome is not None:
            self.on_outcome(outcome)


def _would_send(subscriber: Subscriber, record: DigestRecord, *, resent: bool) -> DigestOutcome:
    return DigestOutcome(
        record.subscriber_id,
        subscriber.email,
        "would_send",
        len(record.document_ids),
        len(record.closing_soon_ids),
        message_id=record.message_id,
        resent=resent,
    )


def _all_ids(record: DigestRecord) -> list[str]:
    return [*record.document_ids, *record.closing_soon_ids]


def _check_settings(settings: Settings) -> None:
    if safe_url(f"{settings.base_url}/") is None:
        raise ConfigError(
            f"must be an absolute http(s) URL for links in emails, not {settings.base_url!r}",
            file="environment",
            entry="EXPORTWATCH_BASE_URL",
        )
    if "\r" in settings.mail_from or "\n" in settings.mail_from:
        raise ConfigError("must be one line", file="environment", entry="EXPORTWATCH_MAIL_FROM")


def _transport(settings: Settings) -> Transport:
    try:
        return transport_from_settings(settings)
    except ValueError as error:
        raise ConfigError(str(error), file="environment", entry="EXPORTWATCH_SMTP_URL") from None
