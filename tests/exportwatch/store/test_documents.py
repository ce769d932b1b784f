"""Saving documents: new / changed / unchanged, the outbox written with them, exact round trips."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from exportwatch.model import Kind
from exportwatch.store import OutboxAction, OutboxEntry, Store
from exportwatch.store.tables import DocumentRow
from tests.exportwatch.store.factories import NOW, make_doc

LATER = NOW + timedelta(hours=6)


def test_new_documents_are_inserted_and_queued_for_indexing(store: Store) -> None:
    result = store.save_documents([make_doc(1), make_doc(2)], now=NOW)

    assert (result.new, result.changed, result.unchanged) == (["doc-00001", "doc-00002"], [], [])
    assert store.count_documents() == 2
    assert store.outbox_batch() == [
        OutboxEntry("doc-00001", OutboxAction.UPSERT, 1),
        OutboxEntry("doc-00002", OutboxAction.UPSERT, 1),
    ]


def test_saving_the_same_documents_again_changes_nothing(store: Store) -> None:
    store.save_documents([make_doc(1), make_doc(2)], now=NOW)
    store.ack_outbox(store.outbox_batch())

    result = store.save_documents([make_doc(1), make_doc(2)], now=LATER)

    assert result.unchanged == ["doc-00001", "doc-00002"]
    assert result.written == []
    assert store.count_outbox() == 0


def test_a_new_content_hash_updates_the_document_and_queues_it(store: Store) -> None:
    store.save_documents([make_doc(1), make_doc(2)], now=NOW)
    store.ack_outbox(store.outbox_batch())

    changed = make_doc(1, title="Renamed fair", content_hash="hash-1-v2")
    result = store.save_documents([changed, make_doc(2)], now=LATER)

    assert (result.new, result.changed, result.unchanged) == ([], ["doc-00001"], ["doc-00002"])
    assert store.get_document("doc-00001") == changed
    assert store.outbox_batch() == [OutboxEntry("doc-00001", OutboxAction.UPSERT, 1)]
    with store.read_session() as session:
        row = session.get(DocumentRow, "doc-00001")
        assert row is not None
        assert (row.first_seen_at, row.changed_at, row.title) == (NOW, LATER, "Renamed fair")


def test_a_document_round_trips_exactly(store: Store) -> None:
    cest = timezone(timedelta(hours=2))
    doc = make_doc(
        7,
        kind=Kind.REGULATION,
        published_at=datetime(2025, 4, 1, 8, 15, 30, 123456, tzinfo=cest),
        updated_at=datetime(2025, 4, 2, 0, 0, tzinfo=UTC),
        effective_on=date(2026, 1, 1),
        eligible_countries=["NO", "SE"],
        reference="G/TBT/N/EU/1234",
    )
    store.save_documents([doc])

    assert store.get_document(doc.id) == doc
    assert store.get_documents(["missing", doc.id]) == [doc]
    assert store.get_document("missing") is None


def test_query_columns_hold_utc_aware_datetimes(store: Store) -> None:
    cest = timezone(timedelta(hours=2))
    store.save_documents([make_doc(1, published_at=datetime(2025, 4, 1, 10, 0, tzinfo=cest))])

    with store.read_session() as session:
        published = session.scalar(select(DocumentRow.published_at))
    assert published == datetime(2025, 4, 1, 8, 0, tzinfo=UTC)
    assert published is not None and published.tzinfo == UTC


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        store.save_documents([make_doc(1, published_at=datetime(2025, 4, 1, 10, 0))])
    assert store.count_documents() == 0
    assert store.count_outbox() == 0


def test_without_content_hash_the_payload_decides(store: Store) -> None:
    store.save_documents([make_doc(1, content_hash="")])
    again = store.save_documents([make_doc(1, content_hash="")])
    edited = store.save_documents([make_doc(1, content_hash="", title="Edited")])

    assert again.unchanged == ["doc-00001"]
    assert edited.changed == ["doc-00001"]


def test_a_repeated_id_in_one_batch_keeps_the_last(store: Store) -> None:
    result = store.save_documents([make_doc(1), make_doc(1, title="Last", content_hash="x")])

    assert result.new == ["doc-00001"]
    doc = store.get_document("doc-00001")
    assert doc is not None and doc.title == "Last"


def test_batches_are_separate_transactions(store: Store) -> None:
    docs = [make_doc(n) for n in range(25)]
    result = store.save_documents(docs, batch_size=10)

    assert len(result.new) == 25
    assert store.count_outbox() == 25


def test_iter_documents_streams_in_id_order_across_pages(store: Store) -> None:
    docs = [make_doc(n) for n in reversed(range(23))]
    store.save_documents(docs)

    streamed = list(store.iter_documents(batch_size=5))

    assert [doc.id for doc in streamed] == sorted(doc.id for doc in docs)
    assert streamed[0] == make_doc(0)
    assert list(store.iter_documents(batch_size=100)) == streamed


def test_delete_removes_documents_and_queues_index_deletes(store: Store) -> None:
    store.save_documents([make_doc(1), make_doc(2)])
    store.ack_outbox(store.outbox_batch())

    assert store.delete_documents(["doc-00001", "never-stored"]) == 1

    assert store.count_documents() == 1
    assert {(e.document_id, e.action) for e in store.outbox_batch()} == {
        ("doc-00001", OutboxAction.DELETE),
        ("never-stored", OutboxAction.DELETE),
    }


def test_ack_keeps_an_entry_that_was_enqueued_again(store: Store) -> None:
    store.save_documents([make_doc(1)])
    taken = store.outbox_batch()
    store.save_documents([make_doc(1, content_hash="v2")])  # changes while the sync runs

    store.ack_outbox(taken)

    assert store.outbox_batch() == [OutboxEntry("doc-00001", OutboxAction.UPSERT, 2)]


def test_failed_entries_stay_queued_behind_fresh_ones(store: Store) -> None:
    store.save_documents([make_doc(1)], now=NOW)
    store.save_documents([make_doc(2)], now=LATER)
    failed = store.outbox_batch(limit=1)
    assert failed[0].document_id == "doc-00001"

    store.fail_outbox(failed, "index unavailable")

    assert [e.document_id for e in store.outbox_batch()] == ["doc-00002", "doc-00001"]


def test_concurrent_writers_wait_for_each_other(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    stores = [Store.from_url(url), Store.from_url(url)]
    errors: list[BaseException] = []

    def write(store: Store, offset: int) -> None:
        try:
            for start in range(0, 400, 20):
                docs = [make_doc(offset + n) for n in range(start, start + 20)]
                store.save_documents(docs)
                store.save_documents(docs[:5])  # read-then-write on rows the other may touch
        except BaseException as error:  # reported below: a thread must not swallow it
            errors.append(error)

    threads = [threading.Thread(target=write, args=(s, i * 1000)) for i, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert stores[0].count_documents() == 800
    finally:
        for store in stores:
            store.close()


def test_find_duplicates_matches_titles_that_differ_in_case_accents_and_year(store: Store) -> None:
    store.save_documents(
        [
            make_doc(1, title="ANUGA 2027 – Köln", source_id="koelnmesse"),
            make_doc(2, title="Anuga Koln", source_id="auma"),
            make_doc(3, title="Anuga Koln", source_id="auma", kind=Kind.FINANCE),
            make_doc(4, title="Anuga Select Koln", source_id="auma"),
        ]
    )
    incoming = make_doc(5, title="Anuga – 39th edition, Köln 2027", source_id="gtai")
    assert [d.id for d in store.find_duplicates(incoming)] == ["doc-00001", "doc-00002"]
    assert store.find_duplicates(make_doc(6, title="2027")) == []  # nothing left to compare
