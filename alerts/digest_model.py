"""What one email holds: a subscriber's digest (items grouped by kind) or a confirmation request.

Plain data built by the caller; `alerts.messages` turns it into an email. `make_digest` groups
and orders the items the way every digest shows them, `make_message_id` gives the stable
Message-ID the sender records before sending (so a retry after a crash is recognisable).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from exportwatch.model import Document, Kind, Subscriber, utcnow

__all__ = [
    "KIND_ORDER",
    "Confirmation",
    "Digest",
    "DigestItem",
    "make_digest",
    "make_message_id",
    "sort_key",
]

# Sections appear in this order; a kind not listed here comes after them.
KIND_ORDER: tuple[Kind, ...] = (Kind.EVENT, Kind.FINANCE, Kind.REGULATION)


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One document in a digest, with why it matched ("Sector: Food · Market: Germany (EU)").

    `closing_soon` marks an item sent in an earlier digest whose deadline is now near.
    """

    document: Document
    reason_text: str = ""
    closing_soon: bool = False


@dataclass(slots=True)
class Digest:
    """One email to one subscriber: new items by kind plus earlier items closing soon.

    `source_names` maps source ids to display names (the id is shown when a name is missing).
    `unsubscribe_mailto` adds a mailto: alternative to the one-click URL in List-Unsubscribe.
    `more_waiting` counts the matches held back by the size cap; they follow in later emails.
    """

    subscriber: Subscriber
    sections: dict[Kind, list[DigestItem]]
    closing_soon: list[DigestItem]
    message_id: str
    unsubscribe_url: str
    manage_url: str
    generated_at: datetime = field(default_factory=utcnow)
    source_names: Mapping[str, str] = field(default_factory=dict)
    unsubscribe_mailto: str | None = None
    more_waiting: int = 0

    @property
    def new_count(self) -> int:
        """How many new items the digest holds (closing-soon reminders not counted)."""
        return sum(len(items) for items in self.sections.values())

    @property
    def is_empty(self) -> bool:
        """Whether there is nothing to send."""
        return self.new_count == 0 and not self.closing_soon


@dataclass(frozen=True, slots=True)
class Confirmation:
    """The double opt-in request: the only email sent before the subscriber confirms.

    Without `message_id` a unique one is made on the confirm URL's host.
    """

    subscriber: Subscriber
    confirm_url: str
    message_id: str | None = None
    valid_for: timedelta = timedelta(days=7)
    generated_at: datetime = field(default_factory=utcnow)


def make_digest(
    subscriber: Subscriber,
    items: Iterable[DigestItem],
    *,
    message_id: str,
    unsubscribe_url: str,
    manage_url: str,
    generated_at: datetime | None = None,
    source_names: Mapping[str, str] | None = None,
    unsubscribe_mailto: str | None = None,
    more_waiting: int = 0,
) -> Digest:
    """Group items by kind in `KIND_ORDER`, each section and closing-soon list sorted by date.

    A document listed twice (matched by two subscriptions) appears once, with the first reason.
    """
    sections: dict[Kind, list[DigestItem]] = {}
    closing: list[DigestItem] = []
    seen: set[str] = set()
    for item in items:
        if item.document.id in seen:
            continue
        seen.add(item.document.id)
        if item.closing_soon:
            closing.append(item)
        else:
            sections.setdefault(item.document.kind, []).append(item)
    ordered = {
        kind: sorted(sections[kind], key=lambda item: sort_key(item.document))
        for kind in sorted(sections, key=_kind_rank)
    }
    closing.sort(key=lambda item: (_day(item.document.deadline), item.document.title.casefold()))
    return Digest(
        subscriber=subscriber,
        sections=ordered,
        closing_soon=closing,
        message_id=message_id,
        unsubscribe_url=unsubscribe_url,
        manage_url=manage_url,
        generated_at=generated_at or utcnow(),
        source_names=dict(source_names or {}),
        unsubscribe_mailto=unsubscribe_mailto,
        more_waiting=max(more_waiting, 0),
    )


def sort_key(document: Document) -> tuple[date, str]:
    """Events by start date, finance by deadline, regulations by their date; undated last.

    A regulation's date is its entry into force, else its comment deadline, else publication.
    """
    if document.kind is Kind.EVENT:
        day = document.starts_on or document.deadline
    elif document.kind is Kind.FINANCE:
        day = document.deadline
    else:
        published = document.published_at.date() if document.published_at else None
        day = document.effective_on or document.deadline or published
    return _day(day), document.title.casefold()


def make_message_id(subscriber_id: int, parts: Iterable[str], base_url: str) -> str:
    """`<digest-{subscriber_id}.{hash}@{host of base_url}>`, the same for the same parts.

    `parts` identify the digest's content (document ids, the run's due time): order and
    repetition do not matter, so a retried run produces the same Message-ID.
    """
    digest = hashlib.sha256("\n".join(sorted(set(parts))).encode()).hexdigest()[:24]
    host = urlsplit(base_url).hostname or "localhost"
    return f"<digest-{subscriber_id}.{digest}@{host}>"


def _kind_rank(kind: Kind) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def _day(day: date | None) -> date:
    return date.max if day is None else day
