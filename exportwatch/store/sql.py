"""Small SQL helpers shared by the repository modules: portable upserts and chunked IN lists."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from exportwatch.store.errors import StoreError

__all__ = ["IN_CHUNK", "chunks", "upsert_insert"]

# Ids per `IN (...)` list: well below SQLite's bound-parameter limit, still few round trips.
IN_CHUNK = 500

_T = TypeVar("_T")


def upsert_insert(session: Session, entity: type[Any]) -> sqlite.Insert | postgresql.Insert:
    """An INSERT with `on_conflict_do_update/nothing`, for the two backends the store runs on."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return sqlite.insert(entity)
    if dialect == "postgresql":
        return postgresql.insert(entity)
    raise StoreError(f"unsupported database {dialect!r}: use SQLite or PostgreSQL")


def chunks(items: Iterable[_T], size: int) -> Iterator[tuple[_T, ...]]:
    """Consecutive tuples of at most `size` items (`itertools.batched` arrives in Python 3.12)."""
    iterator = iter(items)
    while chunk := tuple(islice(iterator, size)):
        yield chunk
