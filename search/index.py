"""The `Index` interface: shared logic and error messages here, storage in backend hooks.

Like Wagtail's search backends, the base class validates and expands queries, derives index
records and highlights hits; a backend only stores records and runs a `Resolved` query.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from itertools import islice

from exportwatch.model import Document
from exportwatch.search.errors import SearchError
from exportwatch.search.highlight import highlight
from exportwatch.search.query import Query, Resolved, resolve
from exportwatch.search.records import IndexRecord, make_record
from exportwatch.search.results import BackendPage, Hit, Results, top_facet_values
from exportwatch.taxonomy import Taxonomy

__all__ = ["Index"]

HIGHLIGHT_FIELDS = ("title", "summary", "body")


class Index(ABC):
    """A search index over documents; a projection of the store that can always be rebuilt."""

    name: str = "index"
    batch_size: int = 500

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy

    def upsert(self, documents: Iterable[Document]) -> int:
        """Add or replace documents by id (idempotent); returns how many were written."""
        written, attempted = 0, False
        try:
            for batch in self._record_batches(documents):
                attempted = True
                self._write(batch)
                written += len(batch)
        except BaseException:
            if attempted:  # what a failed batch did accept is searchable, as with success
                with suppress(SearchError):
                    self._flush()
            raise
        if attempted:
            self._flush()
        return written

    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        ids = list(ids)
        if ids:
            self._remove(ids)
            self._flush()

    def get(self, document_id: str) -> Document | None:
        """The indexed copy of a document, or None."""
        return self._fetch(document_id)

    def search(self, query: Query) -> Results:
        """Run `query`; raises QueryError for input the user can fix."""
        resolved = resolve(query, self.taxonomy)
        page = self._execute(resolved)
        return Results(
            total=page.total,
            hits=[self._hit(document, score, resolved) for document, score in page.hits],
            facets={name: top_facet_values(counts) for name, counts in page.facets.items()},
            page=query.page,
            size=query.size,
        )

    def count(self) -> int:
        """Number of indexed documents."""
        return self._count()

    def rebuild(self, documents: Iterable[Document]) -> int:
        """Replace the whole index with `documents`; searches keep working meanwhile."""
        counter = _Counter()
        self._rebuild(self._record_batches(counter.count(documents)))
        return counter.total

    def discard_unfinished_builds(self, idle: Callable[[], bool] = lambda: True) -> list[str]:
        """Delete what rebuilds that died left behind, if `idle()` says no rebuild runs.

        `idle` is asked after the leftovers are listed (the store knows; see `sync_outbox`), so
        a rebuild starting meanwhile is never mistaken for a dead one. Returns the names
        removed. The embedded index builds in one transaction and leaves nothing behind.
        """
        return []

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def _record_batches(self, documents: Iterable[Document]) -> Iterator[list[IndexRecord]]:
        """Batches of records, each built in a thread while the caller writes the previous one.

        Building records is Python work; writing is mostly SQLite or network I/O, which
        releases the GIL, so the two overlap on a second core.
        """
        iterator = iter(documents)
        with ThreadPoolExecutor(1, thread_name_prefix="index-records") as builder:
            ahead = builder.submit(self._records, list(islice(iterator, self.batch_size)))
            while batch := ahead.result():
                ahead = builder.submit(self._records, list(islice(iterator, self.batch_size)))
                yield batch

    def _records(self, documents: list[Document]) -> list[IndexRecord]:
        return [make_record(document, self.taxonomy) for document in documents]

    def _flush(self) -> None:  # noqa: B027 - optional hook
        """Make the writes of one `upsert` or `delete` call visible to searches."""

    def _hit(self, document: Document, score: float | None, resolved: Resolved) -> Hit:
        marks: dict[str, str] = {}
        if not resolved.text.is_empty:
            for field in HIGHLIGHT_FIELDS:
                snippet = highlight(getattr(document, field), resolved.text, document.language)
                if snippet is not None:
                    marks[field] = snippet
        return Hit(document=document, score=score, highlights=marks)

    @abstractmethod
    def _write(self, records: list[IndexRecord]) -> None:
        """Store records, replacing any with the same id."""

    @abstractmethod
    def _remove(self, ids: list[str]) -> None:
        """Delete records by id."""

    @abstractmethod
    def _fetch(self, document_id: str) -> Document | None:
        """Load one document."""

    @abstractmethod
    def _execute(self, resolved: Resolved) -> BackendPage:
        """Run a resolved query: total, the requested page of hits, facet counts."""

    @abstractmethod
    def _count(self) -> int:
        """Count documents."""

    @abstractmethod
    def _rebuild(self, batches: Iterator[list[IndexRecord]]) -> None:
        """Build a complete new index from `batches`, then switch to it atomically."""


class _Counter:
    """Counts documents as they stream past, without holding them."""

    def __init__(self) -> None:
        self.total = 0

    def count(self, documents: Iterable[Document]) -> Iterator[Document]:
        for document in documents:
            self.total += 1
            yield document
