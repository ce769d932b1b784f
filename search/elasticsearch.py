"""The Elasticsearch backend: an alias over versioned physical indices, bulk writes, DSL queries.

`{prefix}-documents` is an alias for `{prefix}-documents-v{UTC timestamp}`. A rebuild fills a
new physical index, swaps the alias in one request and deletes older orphans, so searches keep
working; a failed rebuild deletes its half-built index and leaves the old one serving.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError

from exportwatch.model import Document
from exportwatch.search.errors import IndexUnavailableError
from exportwatch.search.es_bulk import (
    Failure,
    IndexWriteError,
    delete_action,
    doc_id,
    index_action,
    send_bulk,
)
from exportwatch.search.es_compile import compile_search, uses_score
from exportwatch.search.es_mapping import BUILD_SETTINGS, INDEX_SETTINGS, MAPPINGS, SERVE_SETTINGS
from exportwatch.search.index import Index
from exportwatch.search.query import Resolved
from exportwatch.search.records import IndexRecord
from exportwatch.search.results import BackendPage
from exportwatch.taxonomy import Taxonomy

__all__ = ["ElasticsearchIndex", "IndexWriteError"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class ElasticsearchIndex(Index):
    """Documents in Elasticsearch, behind the alias `{prefix}-documents`."""

    name = "elasticsearch"
    batch_size = 1000  # records per bulk request
    bulk_concurrency = 2  # bulk requests in flight during a rebuild

    def __init__(
        self,
        taxonomy: Taxonomy,
        url: str,
        prefix: str = "exportwatch",
        *,
        client: Elasticsearch | None = None,
        request_timeout: float = 30.0,
        write_attempts: int = 4,
        retry_backoff: float = 0.5,
    ) -> None:
        super().__init__(taxonomy)
        self.url = _redact(url)
        self.prefix = prefix
        self.alias = f"{prefix}-documents"
        self.write_attempts = write_attempts
        self.retry_backoff = retry_backoff
        self._owns_client = client is None
        self._client = client or Elasticsearch(url, request_timeout=request_timeout)
        self._alias_ready = False
        self._lock = threading.Lock()

    def ping(self) -> bool:
        """True when the node answers and its cluster is not red (for `/readyz`)."""
        try:
            health = self._client.options(request_timeout=5, max_retries=0).cluster.health()
        except (TransportError, ApiError):
            return False
        return bool(health.get("status") in ("green", "yellow"))

    def active_index(self) -> str | None:
        """The physical index behind the alias, or None before first use."""
        with self._guard("read the alias"):
            return self._alias_target()

    def discard_unfinished_builds(self, idle: Callable[[], bool] = lambda: True) -> list[str]:
        """Delete physical indices a dead rebuild left: they still carry their build alias.

        A finished build loses that alias in the request that puts it in service, and a
        rebuild is recorded as running before it creates its index. So an index listed with
        a build alias before `idle()` said no rebuild runs, and still listed so after, is a
        leftover (the node or process died mid-build). An index created after the first
        listing belongs to a rebuild that just started and is left alone.
        """
        with self._guard("list unfinished indices"):
            listed = self._unfinished_builds()
            if not listed or not idle():
                return []
            leftovers = sorted(listed & self._unfinished_builds())
            if leftovers:
                self._client.indices.delete(index=",".join(leftovers))
                log.warning("deleted indices of rebuilds that did not finish: %s", leftovers)
        return leftovers

    def _unfinished_builds(self) -> set[str]:
        """Physical indices that carry a build alias and are not in service."""
        found = self._client.indices.get_alias(index=f"{self.alias}-v*")
        return {
            name
            for name, entry in found.body.items()
            if self.alias not in entry["aliases"] and self._build_alias(name) in entry["aliases"]
        }

    def close(self) -> None:
        """Close the client if this index created it."""
        if self._owns_client:
            self._client.close()

    def _write(self, records: list[IndexRecord]) -> None:
        self._ensure_alias()
        self._bulk(self.alias, [index_action(record) for record in records], refresh=False)

    def _remove(self, ids: list[str]) -> None:
        self._ensure_alias()
        self._bulk(self.alias, [delete_action(id_) for id_ in ids], refresh=False)

    def _flush(self) -> None:
        """One refresh per upsert or delete call, not per bulk request."""
        with self._guard("refresh"):
            self._client.indices.refresh(index=self.alias)

    def _fetch(self, document_id: str) -> Document | None:
        self._ensure_alias()
        with self._guard("get a document"):
            try:
                found = self._client.get(
                    index=self.alias, id=doc_id(document_id), source_includes=["payload"]
                )
            except NotFoundError as exc:
                if isinstance(exc.body, dict) and exc.body.get("found") is False:
                    return None
                raise
        return Document.from_json(found["_source"]["payload"])

    def _execute(self, resolved: Resolved) -> BackendPage:
        self._ensure_alias()
        with self._guard("search"):
            response = self._client.search(index=self.alias, **compile_search(resolved))
        scored = uses_score(resolved)
        hits = [
            (
                Document.from_json(hit["_source"]["payload"]),
                float(hit["_score"]) if scored else None,
            )
            for hit in response["hits"]["hits"]
        ]
        facets = {
            name: {str(b["key"]): int(b["doc_count"]) for b in aggregation["buckets"]}
            for name, aggregation in response.get("aggregations", {}).items()
        }
        return BackendPage(total=response["hits"]["total"]["value"], hits=hits, facets=facets)

    def _count(self) -> int:
        self._ensure_alias()
        with self._guard("count"):
            return int(self._client.count(index=self.alias)["count"])

    def _rebuild(self, batches: Iterator[list[IndexRecord]]) -> None:
        self._ensure_alias()
        new = self._create_physical(BUILD_SETTINGS, building=True)
        try:
            self._fill(self._build_alias(new), batches)
            with self._guard("finish the new index"):
                self._client.indices.put_settings(index=new, settings=SERVE_SETTINGS)
                self._client.indices.refresh(index=new)
            self._swap_alias(new)
        except BaseException:
            self._discard(new)
            raise
        self._delete_orphans(new)

    def _fill(self, alias: str, batches: Iterator[list[IndexRecord]]) -> None:
        """Bulk `batches` into `alias`; requests run in threads while the next batch is built."""
        with ThreadPoolExecutor(self.bulk_concurrency, thread_name_prefix="es-bulk") as pool:
            pending: deque[Future[None]] = deque()
            for batch in batches:
                actions = [index_action(record) for record in batch]
                pending.append(pool.submit(self._bulk, alias, actions, refresh=False))
                if len(pending) >= self.bulk_concurrency:
                    pending.popleft().result()
            while pending:
                pending.popleft().result()

    # Alias and physical indices

    def _ensure_alias(self) -> None:
        """Create a physical index and the alias on first use, unless the alias exists."""
        if self._alias_ready:
            return
        with self._lock, self._guard("create the index"):
            if not self._alias_ready and not self._client.indices.exists_alias(name=self.alias):
                index = self._create_physical({})
                try:
                    self._claim_alias(index)
                except BaseException:
                    self._discard(index)
                    raise
            self._alias_ready = True

    def _claim_alias(self, index: str) -> None:
        """Point the alias at `index`; if another process raced us, the older index wins."""
        self._client.indices.update_aliases(
            actions=[{"add": {"index": index, "alias": self.alias}}]
        )
        holders = sorted(self._client.indices.get_alias(name=self.alias))
        if holders[0] != index:
            log.info("%s was created concurrently; dropping %s", self.alias, index)
            self._client.indices.update_aliases(actions=[{"remove_index": {"index": index}}])

    def _create_physical(self, extra: dict[str, Any], *, building: bool = False) -> str:
        """Create `{alias}-v{timestamp}` with the mapping; a clash retries with a newer name.

        A build gets an alias of its own to write through (see `es_bulk`).
        """
        for _ in range(10):
            name = f"{self.alias}-v{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')[:-3]}"
            with self._guard("create an index"):
                created = self._client.options(ignore_status=400).indices.create(
                    index=name,
                    settings={**INDEX_SETTINGS, **extra},
                    mappings=MAPPINGS,
                    aliases={self._build_alias(name): {}} if building else None,
                )
            if created.meta.status == 200:
                return name
            if created.body.get("error", {}).get("type") != "resource_already_exists_exception":
                raise IndexUnavailableError(
                    f"Elasticsearch at {self.url} refused {name}: {created.body}"
                )
            time.sleep(0.002)
        raise IndexUnavailableError(f"could not find a free index name for {self.alias}")

    def _build_alias(self, index: str) -> str:
        """`{alias}-build-v{timestamp}`: outside the `{alias}-v*` pattern of physical indices."""
        return f"{self.alias}-build-{index.removeprefix(self.alias + '-')}"

    def _alias_target(self) -> str | None:
        found = self._client.options(ignore_status=404).indices.get_alias(name=self.alias)
        names = [name for name in found.body if found.meta.status == 200]
        return names[0] if len(names) == 1 else None

    def _swap_alias(self, new: str) -> None:
        """Move the alias from whatever it points at to `new`, in one atomic request."""
        with self._guard("swap the alias"):
            old = self._client.options(ignore_status=404).indices.get_alias(name=self.alias)
            actions: list[dict[str, Any]] = [
                {"remove": {"index": name, "alias": self.alias}}
                for name in (old.body if old.meta.status == 200 else {})
            ]
            actions.append({"remove": {"index": new, "alias": self._build_alias(new)}})
            actions.append({"add": {"index": new, "alias": self.alias}})
            self._client.indices.update_aliases(actions=actions)

    def _discard(self, new: str) -> None:
        """Delete a half-built index, unless a swap that seemed to fail did put it in service."""
        try:
            if self._alias_target() != new:
                self._client.indices.delete(index=new, ignore_unavailable=True)
        except (TransportError, ApiError) as exc:
            log.error("could not delete the unfinished index %s: %s", new, exc)

    def _delete_orphans(self, new: str) -> None:
        """Delete versions older than `new`; newer ones may be another process's build."""
        with self._guard("delete old indices"):
            found = self._client.indices.get_alias(index=f"{self.alias}-v*")
            orphans = [n for n in found if n < new and self.alias not in found[n]["aliases"]]
            if orphans:
                self._client.indices.delete(index=",".join(orphans))

    # Requests

    def _bulk(self, alias: str, actions: list[str], *, refresh: bool) -> None:
        """Send `actions` in batches, retrying 429s and connection failures; raise on failures."""
        failures: list[Failure] = []
        for start in range(0, len(actions), self.batch_size):
            chunk = actions[start : start + self.batch_size]
            backoff = self.retry_backoff
            send = partial(send_bulk, self._client, alias, chunk, refresh=refresh, backoff=backoff)
            failures += self._with_retries(send)
        if failures:
            if any(why.startswith("index_not_found_exception") for _, why in failures):
                self._alias_ready = False  # deleted behind our back: recreate on next use
            raise IndexWriteError(alias, failures)

    def _with_retries(self, request: Callable[[], T]) -> T:
        """Run `request`, retrying connection errors with exponential backoff."""
        for attempt in range(1, self.write_attempts + 1):
            try:
                with self._guard("write"):
                    return request()
            except IndexUnavailableError as exc:
                if attempt == self.write_attempts or not isinstance(exc.__cause__, TransportError):
                    raise
                log.warning("write to %s failed (attempt %d): %s", self.url, attempt, exc)
                time.sleep(self.retry_backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Turn client errors into IndexUnavailableError naming the URL and the cause."""
        try:
            yield
        except TransportError as exc:
            raise IndexUnavailableError(
                f"Elasticsearch at {self.url} is unavailable (could not {action}): {_short(exc)}"
            ) from exc
        except ApiError as exc:
            if exc.error == "index_not_found_exception":
                self._alias_ready = False
            raise IndexUnavailableError(
                f"Elasticsearch at {self.url} refused to {action}: {_short(exc)}"
            ) from exc


def _short(error: Exception) -> str:
    text = str(error)
    return text if len(text) <= 500 else text[:500] + "…"


def _redact(url: str) -> str:
    """The URL without a password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
