"""The outbox sync: what the store saved reaches the index, and an index outage loses nothing."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from exportwatch.model import Document
from exportwatch.search.elasticsearch import ElasticsearchIndex
from exportwatch.search.embedded import EmbeddedIndex
from exportwatch.search.errors import IndexUnavailableError
from exportwatch.search.records import IndexRecord
from exportwatch.search.sync import rebuild_index, sync_outbox
from exportwatch.store import Store
from exportwatch.taxonomy import Taxonomy


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.from_url(f"sqlite:///{tmp_path / 'store.db'}")
    yield opened
    opened.close()


@pytest.fixture
def index(tmp_path: Path, taxonomy: Taxonomy) -> Iterator[EmbeddedIndex]:
    opened = EmbeddedIndex(taxonomy, tmp_path / "index.sqlite3")
    yield opened
    opened.close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_saved_documents_reach_the_index(
    store: Store, index: EmbeddedIndex, corpus: list[Document]
) -> None:
    store.save_documents(corpus)
    report = sync_outbox(store, index, batch_size=7)
    assert report.ok and report.upserted == len(corpus)
    assert index.count() == len(corpus) and store.count_outbox() == 0
    assert sync_outbox(store, index).upserted == 0  # nothing left to do


def test_deletes_reach_the_index(
    store: Store, index: EmbeddedIndex, corpus: list[Document]
) -> None:
    store.save_documents(corpus)
    sync_outbox(store, index)
    store.delete_documents(["e-anuga", "r-hostile"])
    report = sync_outbox(store, index)
    assert report.deleted == 2
    assert index.count() == len(corpus) - 2 and index.get("e-anuga") is None


def test_an_index_outage_keeps_changes_queued_until_it_returns(
    store: Store, index: EmbeddedIndex, corpus: list[Document], taxonomy: Taxonomy
) -> None:
    store.save_documents(corpus)
    down = ElasticsearchIndex(taxonomy, closed_port_url())
    try:
        report = sync_outbox(store, down, batch_size=10)
    finally:
        down.close()
    assert not report.ok and "127.0.0.1" in (report.error or "")
    assert store.count_outbox() == len(corpus)
    recovered = sync_outbox(store, index)
    assert recovered.ok and index.count() == len(corpus) and store.count_outbox() == 0


def test_a_batch_that_fails_midway_keeps_it_and_the_rest_queued(
    store: Store,
    index: EmbeddedIndex,
    corpus: list[Document],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Batches before the failure are acknowledged; the ones read ahead are not lost."""
    store.save_documents(corpus)
    planned = [entry.document_id for entry in store.outbox_batch(len(corpus))]
    write = index._write
    calls: list[int] = []

    def third_batch_fails(records: list[IndexRecord]) -> None:
        calls.append(len(records))
        if len(calls) == 3:
            raise IndexUnavailableError("index went away")
        write(records)

    monkeypatch.setattr(index, "_write", third_batch_fails)
    report = sync_outbox(store, index, batch_size=5)
    assert report.error == "index went away" and report.upserted == 10
    assert index.count() == 10 and store.count_outbox() == len(corpus) - 10
    queued = [entry.document_id for entry in store.outbox_batch(len(corpus))]
    assert set(queued) == set(planned[10:])  # the first two batches were acknowledged
    assert set(queued[-5:]) == set(planned[10:15])  # the failed batch waits behind the rest
    monkeypatch.setattr(index, "_write", write)
    assert sync_outbox(store, index).upserted == len(corpus) - 10
    assert index.count() == len(corpus) and store.count_outbox() == 0


def test_changes_made_during_a_rebuild_reach_the_new_index(
    store: Store, index: EmbeddedIndex, corpus: list[Document]
) -> None:
    store.save_documents(corpus[:20])
    sync_outbox(store, index)

    def documents_while_others_write() -> Iterator[Document]:
        for position, document in enumerate(store.iter_documents()):
            if position == 5:  # another process saves, deletes and syncs mid-rebuild
                store.save_documents(corpus[20:])
                store.delete_documents(["e-anuga"])
                assert sync_outbox(store, index).deferred
            yield document

    _count, report = rebuild_index(store, index, documents_while_others_write())
    assert report.ok and not report.deferred
    assert index.count() == len(corpus) - 1 and index.get("e-anuga") is None
    assert store.count_outbox() == 0


def test_a_failed_rebuild_lets_the_sync_resume(
    store: Store, index: EmbeddedIndex, corpus: list[Document]
) -> None:
    def broken() -> Iterator[Document]:
        yield corpus[0]
        raise RuntimeError("store went away")

    with pytest.raises(RuntimeError):
        rebuild_index(store, index, broken())
    store.save_documents(corpus)
    assert sync_outbox(store, index).upserted == len(corpus)


def test_a_long_rebuild_beats_so_the_sync_keeps_waiting(
    store: Store,
    index: EmbeddedIndex,
    corpus: list[Document],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("exportwatch.search.sync.HEARTBEAT_SECONDS", 0.0)
    store.save_documents(corpus)
    beats: list[int] = []
    monkeypatch.setattr(
        store, "beat_index_rebuild", lambda rebuild, documents: beats.append(documents)
    )
    count, _report = rebuild_index(store, index)
    assert count == len(corpus)
    assert beats == list(range(1, len(corpus) + 1))
