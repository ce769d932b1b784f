"""Bulk requests for the Elasticsearch backend: serialized actions, 429 retries, failure reports.

Actions are serialized once, to NDJSON, when they are made: the client's generic helpers cost
more Python time than Elasticsearch spends indexing. Writes always go through an alias with
`require_alias`, so a request never auto-creates an index with a dynamic mapping when its
target has been deleted meanwhile.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any, cast

from elasticsearch import ApiError, Elasticsearch

from exportwatch import jsoncodec
from exportwatch.search.errors import SearchError
from exportwatch.search.es_mapping import record_source
from exportwatch.search.records import IndexRecord

__all__ = [
    "MAX_ID_BYTES",
    "Failure",
    "IndexWriteError",
    "delete_action",
    "doc_id",
    "index_action",
    "send_bulk",
]

Failure = tuple[str, str]  # (_id, reason)
MAX_ID_BYTES = 512  # Elasticsearch's limit on `_id`; longer ids are stored under a digest
REPORTED_FAILURES = 5  # failed ids (with reasons) named in the message
RETRIES_ON_429 = 3
_ITEM_FIELDS = "errors,items.*._id,items.*.status,items.*.error.type,items.*.error.reason"


class IndexWriteError(SearchError):
    """Elasticsearch rejected some records: how many, and the first few ids with reasons."""

    def __init__(self, index: str, failures: list[Failure]) -> None:
        self.index = index
        self.failures = failures
        shown = "; ".join(f"{id_[:80]}: {why}" for id_, why in failures[:REPORTED_FAILURES])
        hidden = len(failures) - REPORTED_FAILURES
        more = f" (and {hidden} more)" if hidden > 0 else ""
        super().__init__(f"{len(failures)} document(s) failed to index into {index}: {shown}{more}")


def doc_id(document_id: str) -> str:
    """The `_id` of a document: its id, or a digest of an id too long for Elasticsearch."""
    if len(document_id.encode()) <= MAX_ID_BYTES:
        return document_id
    return "sha256:" + hashlib.sha256(document_id.encode()).hexdigest()


def index_action(record: IndexRecord) -> str:
    """The NDJSON lines adding or replacing one record."""
    header = _dumps({"index": {"_id": doc_id(record.id)}})
    return f"{header}\n{_dumps(record_source(record))}"


def delete_action(document_id: str) -> str:
    """The NDJSON line deleting one document; a missing one is not a failure."""
    return _dumps({"delete": {"_id": doc_id(document_id)}})


def send_bulk(
    client: Elasticsearch, alias: str, actions: list[str], *, refresh: bool, backoff: float
) -> list[Failure]:
    """Send `actions` in one request, resending those refused with 429 after a backoff.

    Returns the records that failed for good. Connection errors propagate: the caller decides
    whether to retry the whole request.
    """
    failures: list[Failure] = []
    for attempt in range(RETRIES_ON_429 + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        throttled = []
        outcomes = _post(client, alias, actions, refresh)
        for action, (id_, status, reason) in zip(actions, outcomes, strict=True):
            if status == 429 and attempt < RETRIES_ON_429:
                throttled.append(action)
            elif reason is not None:
                failures.append((id_, reason))
        if not throttled:
            break
        actions = throttled
    return failures


def _post(
    client: Elasticsearch, alias: str, actions: list[str], refresh: bool
) -> list[tuple[str, int, str | None]]:
    """One bulk request: (_id, status, failure reason or None) per action, in order."""
    try:
        response = client.bulk(
            index=alias,
            operations=cast(Any, actions),  # NDJSON strings: the client sends them as they are
            require_alias=True,
            refresh=refresh,
            filter_path=_ITEM_FIELDS,
        )
    except ApiError as exc:
        if exc.meta.status != 429:
            raise
        reason = f"{exc.error}: the whole request was refused"
        return [(_action_id(action), 429, reason) for action in actions]
    return [
        _outcome(op_type, item) for entry in response["items"] for op_type, item in entry.items()
    ]


def _outcome(op_type: str, item: dict[str, Any]) -> tuple[str, int, str | None]:
    status = int(item.get("status", 500))
    if 200 <= status < 300 or (op_type == "delete" and status == 404):
        return str(item.get("_id")), status, None
    error = item.get("error") or {}
    return str(item.get("_id")), status, f"{error.get('type')}: {error.get('reason')}"[:300]


def _action_id(action: str) -> str:
    header: dict[str, dict[str, str]] = json.loads(action.partition("\n")[0])
    return next(iter(header.values()))["_id"]


def _dumps(value: Any) -> str:
    return jsoncodec.dumps(value)  # valid UTF-8: text orjson refuses is written escaped
