"""Match new or changed documents against the active subscriptions and keep pending alerts.

The crawl job calls `match_documents` with the ids a save wrote (`SaveResult.written`). The
pending alerts of those documents then say exactly what matches now: new matches are added,
matches a changed document lost are withdrawn, and a document already delivered to a
subscriber is never pending for them again (the store checks deliveries in the same
transaction).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from itertools import islice

from exportwatch.alerts.matching import Matcher
from exportwatch.model import utcnow
from exportwatch.store import Store
from exportwatch.taxonomy import Taxonomy

__all__ = ["BATCH_SIZE", "match_documents"]

BATCH_SIZE = 500  # documents read, matched and written per transaction


def match_documents(
    store: Store,
    matcher_or_taxonomy: Matcher | Taxonomy,
    document_ids: Iterable[str],
    *,
    now: datetime | None = None,
    today: date | None = None,
) -> int:
    """Match the documents and update their pending alerts; returns how many alerts were added.

    Given a taxonomy, the matcher is built from the store's active subscriptions (those of
    confirmed, subscribed people). `today` is the day for documents without a date of their
    own (default: the day of `now`). Ids of documents no longer stored are skipped.
    """
    if isinstance(matcher_or_taxonomy, Matcher):
        matcher = matcher_or_taxonomy
    else:
        matcher = Matcher(store.active_subscriptions(), matcher_or_taxonomy)
    now = now or utcnow()
    today = today or now.date()
    added = 0
    pending = iter(dict.fromkeys(document_ids))
    while batch := list(islice(pending, BATCH_SIZE)):
        documents = store.get_documents(batch)
        matches = matcher.match_all(documents, today)
        added += store.sync_pending([doc.id for doc in documents], matches, now).added
    return added
