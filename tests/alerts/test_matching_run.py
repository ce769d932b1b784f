"""match_documents: new and changed documents become pending alerts, never twice per subscriber."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from exportwatch.alerts import Matcher, decode_reasons, match_documents
from exportwatch.model import Document, Kind, Subscriber, Subscription, Venue
from exportwatch.store import Store
from exportwatch.store.tables import DeliveryRow
from exportwatch.taxonomy import Taxonomy

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.from_url(f"sqlite:///{tmp_path / 'exportwatch.db'}")
    yield opened
    opened.close()


def subscribe(store: Store, email: str, *, confirmed: bool = True, **wants: object) -> int:
    person = store.add_subscriber(Subscriber(None, email), confirmed=confirmed)
    assert person.id is not None
    store.add_subscription(Subscription(None, person.id, **wants))  # type: ignore[arg-type]
    return person.id


def fair(country: str = "DE", sectors: tuple[str, ...] = ("food",), **changes: object) -> Document:
    document = Document(
        id="fair-1",
        kind=Kind.EVENT,
        title="Anuga",
        url="https://example.org/anuga",
        source_id="fairs",
        language="de",
        starts_on=date(2025, 10, 4),
        venue=Venue(country=country),
        sectors=list(sectors),
        content_hash=f"{country}-{sectors}",
    )
    for name, value in changes.items():
        setattr(document, name, value)
    return document


def pending_documents(store: Store, subscriber_id: int) -> list[str]:
    return [p.document_id for p in store.pending_for(subscriber_id)]


def test_new_documents_become_pending_once(store: Store, taxonomy: Taxonomy) -> None:
    food_eu = subscribe(store, "a@example.org", sectors=["food"], markets=["EU"])
    wine = subscribe(store, "b@example.org", sectors=["food.wine-spirits"], markets=["US"])
    written = store.save_documents([fair()], now=NOW).written
    assert match_documents(store, taxonomy, written, now=NOW) == 1
    assert match_documents(store, taxonomy, written, now=NOW) == 0
    assert pending_documents(store, food_eu) == ["fair-1"]
    assert pending_documents(store, wine) == []
    (pending,) = store.pending_for(food_eu)
    assert [r.kind for r in decode_reasons(pending.reason)] == ["sector", "market"]
    assert pending.matched_at == NOW


def test_only_confirmed_subscribers_are_matched(store: Store, taxonomy: Taxonomy) -> None:
    unconfirmed = subscribe(store, "u@example.org", confirmed=False)
    store.save_documents([fair()], now=NOW)
    assert match_documents(store, taxonomy, ["fair-1"], now=NOW) == 0
    assert pending_documents(store, unconfirmed) == []


def test_a_delivered_document_is_not_sent_again_when_it_changes(
    store: Store, taxonomy: Taxonomy
) -> None:
    subscriber = subscribe(store, "a@example.org", markets=["EU"])
    store.save_documents([fair()], now=NOW)
    match_documents(store, taxonomy, ["fair-1"], now=NOW)
    with store.session() as session:  # the digest sent it
        session.execute(insert(DeliveryRow).values(subscriber_id=subscriber, document_id="fair-1"))
    store.clear_pending([p.id for p in store.pending_for(subscriber)])
    new_dates = fair(starts_on=date(2025, 11, 1), content_hash="v2")
    changed = store.save_documents([new_dates], now=NOW).changed
    assert changed == ["fair-1"]
    assert match_documents(store, taxonomy, changed, now=NOW) == 0
    assert pending_documents(store, subscriber) == []


def test_a_changed_document_never_delivered_matches_anew(store: Store, taxonomy: Taxonomy) -> None:
    germany = subscribe(store, "de@example.org", markets=["DE"])
    france = subscribe(store, "fr@example.org", markets=["FR"])
    store.save_documents([fair("DE")], now=NOW)
    assert match_documents(store, taxonomy, ["fair-1"], now=NOW) == 1
    store.save_documents([fair("FR")], now=NOW)  # the fair moved
    assert match_documents(store, taxonomy, ["fair-1"], now=NOW) == 1
    assert pending_documents(store, germany) == []  # withdrawn: no longer a match
    assert pending_documents(store, france) == ["fair-1"]


def test_a_prebuilt_matcher_and_unknown_ids(store: Store, taxonomy: Taxonomy) -> None:
    subscriber = subscribe(store, "a@example.org", kinds=[Kind.EVENT])
    store.save_documents([fair()], now=NOW)
    matcher = Matcher(store.active_subscriptions(), taxonomy)
    ids = ["gone", "fair-1", "fair-1"]
    assert match_documents(store, matcher, ids, now=NOW) == 1
    assert pending_documents(store, subscriber) == ["fair-1"]


def test_undated_documents_use_the_day_of_now(store: Store, taxonomy: Taxonomy) -> None:
    subscriber = subscribe(store, "eu@example.org", markets=["EU"])
    store.save_documents([fair("GB", starts_on=None)], now=NOW)
    assert match_documents(store, taxonomy, ["fair-1"], now=NOW) == 0  # 2025: GB is out
    then = datetime(2019, 5, 1, tzinfo=UTC)
    assert match_documents(store, taxonomy, ["fair-1"], now=then) == 1
    assert pending_documents(store, subscriber) == ["fair-1"]
