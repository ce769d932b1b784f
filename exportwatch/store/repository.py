"""`Store`: the one object the rest of exportwatch uses to reach the relational store."""

from __future__ import annotations

from exportwatch.settings import Settings
from exportwatch.store.alerts import AlertsMixin
from exportwatch.store.database import create_store_engine, upgrade_schema
from exportwatch.store.digests import DigestsMixin
from exportwatch.store.documents import DocumentsMixin
from exportwatch.store.jobs import JobsMixin
from exportwatch.store.overview import OverviewMixin
from exportwatch.store.rebuilds import RebuildsMixin
from exportwatch.store.sources import SourcesMixin
from exportwatch.store.subscribers import SubscribersMixin

__all__ = ["Store"]


class Store(
    AlertsMixin,
    DigestsMixin,
    DocumentsMixin,
    JobsMixin,
    OverviewMixin,
    RebuildsMixin,
    SourcesMixin,
    SubscribersMixin,
):
    """Documents, source state and subscribers behind one typed API; no ORM object leaves it.

    Opening a store migrates its schema to the latest revision, so a fresh SQLite file is ready
    to use and an older one is upgraded in place.
    """

    @classmethod
    def open(cls, settings: Settings) -> Store:
        """The store the settings point at (`DATABASE_URL`, else a SQLite file in the data dir)."""
        return cls.from_url(settings.resolved_database_url)

    @classmethod
    def from_url(cls, url: str, *, migrate: bool = True) -> Store:
        """A store on any SQLAlchemy URL; `migrate=False` skips the upgrade (tools, tests)."""
        engine = create_store_engine(url)
        if migrate:
            try:
                upgrade_schema(engine)
            except BaseException:
                engine.dispose()
                raise
        return cls(engine)

    def __enter__(self) -> Store:
        return self
