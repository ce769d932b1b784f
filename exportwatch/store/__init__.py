"""The relational store, exportwatch's source of truth (SQLite by default, PostgreSQL to scale).

Import from here; the submodules are the implementation. `Store.open(settings)` gives a
migrated store whose methods take and return `exportwatch.model` types and small dataclasses.
"""

from exportwatch.store.alerts import PendingAlert, PendingChange, PendingMatch
from exportwatch.store.database import alembic_config, create_store_engine, upgrade_schema
from exportwatch.store.digests import (
    AddressState,
    BounceOutcome,
    ClosingSoonDelivery,
    DigestRecord,
)
from exportwatch.store.documents import OutboxAction, OutboxEntry, SaveResult
from exportwatch.store.errors import DuplicateSubscriberError, NotFoundError, StoreError
from exportwatch.store.jobs import JobFailure
from exportwatch.store.repository import Store
from exportwatch.store.sources import RunCounts, RunRecord, SourceState, SourceStateChanges
from exportwatch.store.subscribers import normalize_email

__all__ = [
    "AddressState",
    "BounceOutcome",
    "ClosingSoonDelivery",
    "DigestRecord",
    "DuplicateSubscriberError",
    "JobFailure",
    "NotFoundError",
    "OutboxAction",
    "OutboxEntry",
    "PendingAlert",
    "PendingChange",
    "PendingMatch",
    "RunCounts",
    "RunRecord",
    "SaveResult",
    "SourceState",
    "SourceStateChanges",
    "Store",
    "StoreError",
    "alembic_config",
    "create_store_engine",
    "normalize_email",
    "upgrade_schema",
]
