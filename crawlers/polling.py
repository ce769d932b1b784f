"""Poll many feed sources at once: conditional requests, redirects, 410s and polite intervals.

`poll_feeds` takes definitions and what was learnt about each source before (`FeedState`) and
returns, per source, the items read, the new state and the earliest time the source may be
polled again. It never raises for one source's trouble: each result carries its status, error
and problems. Persist a result's `state` only after its items are stored, so that an item that
was read is never skipped by the next conditional request.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from exportwatch.crawlers.definitions import SourceDefinition
from exportwatch.crawlers.extraction import EXTRACTED_TYPES, extract
from exportwatch.crawlers.feeds import parse_feed
from exportwatch.crawlers.fetching import Fetcher, FetchPolicy, FetchResult, Validators
from exportwatch.crawlers.records import Extracted
from exportwatch.model import RawItem, RunStatus, utcnow
from exportwatch.store.sources import SourceState, SourceStateChanges

__all__ = ["FeedState", "PollResult", "ResourceState", "poll_feed", "poll_feeds"]

log = logging.getLogger(__name__)

_LONGEST_FLOOR = timedelta(days=7)
MAX_FOLLOWED = 500  # linked pages per response (a sitemap's pages)
_BACK_OFF_STATUSES = frozenset({429, 503})


@dataclass(slots=True)
class ResourceState:
    """What is known about one URL of a source (a definition may list several)."""

    url: str  # as the definition gives it
    current_url: str | None = None  # after permanent redirects
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None  # unchanged body from a server that ignores validators

    @property
    def fetch_url(self) -> str:
        """Where to ask next."""
        return self.current_url or self.url


@dataclass(slots=True)
class FeedState:
    """What polling remembers about a source between runs (maps onto the store's SourceState)."""

    source_id: str
    enabled: bool = True
    disabled_reason: str | None = None
    resources: dict[str, ResourceState] = field(default_factory=dict)
    min_interval: timedelta | None = None  # the publisher's <ttl>: never poll more often
    last_polled_at: datetime | None = None  # a sitemap skips pages not modified since

    def resource(self, url: str) -> ResourceState:
        """The state of one configured URL (new if it was never polled)."""
        return self.resources.setdefault(url, ResourceState(url))

    @classmethod
    def from_source_state(cls, state: SourceState, definition: SourceDefinition) -> FeedState:
        """Rebuild from the store, which keeps one URL and one pair of validators per source."""
        first = definition.all_urls[0]
        resource = ResourceState(first, state.url if state.url != first else None)
        resource.etag, resource.last_modified = state.etag, state.last_modified
        return cls(
            source_id=state.source_id,
            enabled=state.enabled,
            disabled_reason=state.disabled_reason,
            resources={first: resource},
        )

    def to_json(self) -> dict[str, object]:
        """Everything per URL, for the store's `crawl_state` (the columns hold the first URL)."""
        return {
            "resources": {
                url: {
                    "current_url": r.current_url,
                    "etag": r.etag,
                    "last_modified": r.last_modified,
                    "body_hash": r.body_hash,
                }
                for url, r in self.resources.items()
            },
            "min_interval": self.min_interval.total_seconds() if self.min_interval else None,
            "last_polled_at": self.last_polled_at.isoformat() if self.last_polled_at else None,
        }

    @classmethod
    def restore(cls, state: SourceState, definition: SourceDefinition) -> FeedState:
        """From the store: `crawl_state` when present (every URL), else the columns."""
        saved = state.crawl_state.get("feed") if state.crawl_state else None
        if not isinstance(saved, dict):
            return cls.from_source_state(state, definition)
        restored = cls(state.source_id, state.enabled, state.disabled_reason)
        resources = saved.get("resources") or {}
        for url in definition.all_urls:  # URLs dropped from the definition are forgotten
            known = resources.get(url) or {}
            restored.resources[url] = ResourceState(
                url,
                known.get("current_url"),
                known.get("etag"),
                known.get("last_modified"),
                known.get("body_hash"),
            )
        seconds = saved.get("min_interval")
        restored.min_interval = timedelta(seconds=seconds) if seconds else None
        polled = saved.get("last_polled_at")
        restored.last_polled_at = datetime.fromisoformat(polled) if polled else None
        return restored

    def source_state_changes(self) -> SourceStateChanges:
        """The fields of the store's SourceState this state sets (from the first URL)."""
        first = next(iter(self.resources.values()), None)
        return SourceStateChanges(
            enabled=self.enabled,
            disabled_reason=self.disabled_reason,
            url=first.current_url if first else None,
            etag=first.etag if first else None,
            last_modified=first.last_modified if first else None,
            crawl_state={"feed": self.to_json()},
        )


@dataclass(slots=True)
class PollResult:
    """One source's poll: items, outcome, new state and when it may be polled again.

    `problems` are what made the run degraded or failed; `notes` are harmless findings and
    `notices` are events people should hear about (a moved or removed feed).
    """

    source_id: str
    status: RunStatus
    state: FeedState
    started_at: datetime
    finished_at: datetime
    items: list[RawItem] = field(default_factory=list)
    not_modified: bool = False
    next_run_floor: datetime | None = None
    error: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    http_statuses: dict[str, int] = field(default_factory=dict)
    failed_items: int = 0


@dataclass(slots=True)
class _Outcome:
    """What one URL of a source gave."""

    items: list[RawItem] = field(default_factory=list)
    unchanged: bool = False
    error: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed: int = 0
    floor: timedelta | None = None


async def poll_feeds(
    definitions: Sequence[SourceDefinition],
    states: Mapping[str, FeedState],
    *,
    fetcher: Fetcher | None = None,
    policy: FetchPolicy | None = None,
    max_parallel: int = 256,
) -> list[PollResult]:
    """Poll every enabled feed source concurrently; results in the order of `definitions`.

    Disabled sources (in the definition or the state) are skipped. Pass a `fetcher` to share
    one client (and its per-host limits); else one is made from `policy` and closed afterwards.
    """
    own = fetcher is None
    client = fetcher or Fetcher(policy)
    gate = asyncio.Semaphore(max_parallel)

    async def run(definition: SourceDefinition) -> PollResult:
        async with gate:
            return await poll_feed(definition, states.get(definition.id), client)

    try:
        polled = [d for d in definitions if _enabled(d, states.get(d.id))]
        return list(await asyncio.gather(*(run(definition) for definition in polled)))
    finally:
        if own:
            await client.aclose()


async def poll_feed(
    definition: SourceDefinition, state: FeedState | None, fetcher: Fetcher
) -> PollResult:
    """Poll one feed source (every URL it lists); never raises for the source's trouble."""
    started = utcnow()
    state = _copy(state) if state is not None else FeedState(definition.id)
    result = PollResult(definition.id, RunStatus.RUNNING, state, started, started)
    try:
        if definition.type not in EXTRACTED_TYPES:
            raise _NotAFeed(f"type {definition.type!r} is not fetched by the poller")
        outcomes = [
            await _poll_url(url, result, fetcher, definition) for url in definition.all_urls
        ]
        _conclude(result, outcomes, definition)
        if result.status is not RunStatus.FAILED:
            state.last_polled_at = started
    except _NotAFeed as error:
        _fail(result, str(error))
    except Exception as error:  # a bug must not stop the other sources; it is recorded
        log.exception("polling %s failed", definition.id)
        _fail(result, f"internal error while polling: {type(error).__name__}: {error}")
    result.finished_at = utcnow()
    return result


class _NotAFeed(Exception):
    pass


async def _poll_url(
    url: str, result: PollResult, fetcher: Fetcher, definition: SourceDefinition
) -> _Outcome:
    resource = result.state.resource(url)
    validators = Validators(resource.etag, resource.last_modified)
    fetched = await fetcher.fetch(resource.fetch_url, validators)
    for status in fetched.statuses:
        result.http_statuses[str(status)] = result.http_statuses.get(str(status), 0) + 1
    outcome = _Outcome(floor=_cache_floor(fetched))
    _follow_moves(fetched, resource, result)
    if fetched.gone:
        result.state.enabled = False
        result.state.disabled_reason = f"HTTP 410 Gone at {fetched.final_url} ({utcnow():%Y-%m-%d})"
        result.notices.append(
            f"{fetched.final_url} answered 410 Gone: source disabled until someone re-enables it"
        )
    if not fetched.ok:
        outcome.error = fetched.error or "no answer"
        outcome.problems.extend(fetched.problems[1:])
        return outcome
    if fetched.not_modified:
        _remember(resource, fetched.validators, resource.body_hash)
        outcome.unchanged = True
        return outcome
    digest = hashlib.sha256(fetched.body).hexdigest()
    if digest == resource.body_hash:
        _remember(resource, fetched.validators, digest)
        outcome.unchanged = True
        return outcome
    if definition.type == "feed":
        parsed = await asyncio.to_thread(
            parse_feed,
            fetched.body,
            source_id=result.source_id,
            url=fetched.final_url,
            content_type=fetched.content_type,
            fetched_at=result.started_at,
        )
        if parsed.ttl is not None:
            result.state.min_interval = min(parsed.ttl, _LONGEST_FLOOR)
        extracted = Extracted(parsed.items, list(parsed.problems), parsed.notes, [], None)
        extracted.error, extracted.failed = parsed.error, parsed.failed
    else:
        extracted = await _extract_with_follows(definition, fetched, result, fetcher)
    if extracted.error is None:  # else ask unconditionally next time, and report it again
        _remember(resource, fetched.validators, digest)
    outcome.items, outcome.error, outcome.failed = (
        extracted.items,
        extracted.error,
        extracted.failed,
    )
    outcome.problems.extend(p for p in extracted.problems if p != extracted.error)
    outcome.notes.extend(extracted.notes)
    return outcome


async def _extract_with_follows(
    definition: SourceDefinition, fetched: FetchResult, result: PollResult, fetcher: Fetcher
) -> Extracted:
    """Extract a response, then the pages it points to (a sitemap's pages), up to a bound."""
    since = result.state.last_polled_at
    first = await asyncio.to_thread(
        extract,
        definition,
        fetched.body,
        url=fetched.final_url,
        content_type=fetched.content_type,
        fetched_at=result.started_at,
        since=since,
    )
    queue, seen = list(first.follow), {fetched.final_url}
    while queue and len(seen) <= MAX_FOLLOWED:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        page = await fetcher.fetch(url, None)
        for status in page.statuses:
            result.http_statuses[str(status)] = result.http_statuses.get(str(status), 0) + 1
        if not page.ok:
            first.problems.append(f"{url}: {page.error or 'no answer'}")
            continue
        more = await asyncio.to_thread(
            extract,
            definition,
            page.body,
            url=page.final_url,
            content_type=page.content_type,
            fetched_at=result.started_at,
            since=since,
        )
        first.items.extend(more.items)
        first.problems.extend(more.problems)
        first.notes.extend(more.notes)
        first.failed += more.failed
        queue.extend(more.follow)
    if queue:
        first.notes.append(f"followed {MAX_FOLLOWED} linked pages; {len(queue)} more left")
    return first


def _remember(resource: ResourceState, validators: Validators, body_hash: str | None) -> None:
    resource.etag, resource.last_modified = validators.etag, validators.last_modified
    resource.body_hash = body_hash


def _follow_moves(fetched: FetchResult, resource: ResourceState, result: PollResult) -> None:
    if fetched.moved_to is not None and fetched.moved_to != resource.fetch_url:
        result.notices.append(
            f"{resource.fetch_url} moved permanently to {fetched.moved_to}; polling the new URL"
        )
        resource.current_url = fetched.moved_to if fetched.moved_to != resource.url else None


def _cache_floor(fetched: FetchResult) -> timedelta | None:
    """How long the server asked us to stay away: Retry-After on 429/503, else max-age."""
    if fetched.status in _BACK_OFF_STATUSES and fetched.retry_after is not None:
        return fetched.retry_after
    return fetched.max_age if fetched.ok else None


def _conclude(result: PollResult, outcomes: list[_Outcome], definition: SourceDefinition) -> None:
    for outcome in outcomes:
        result.items.extend(outcome.items)
        result.failed_items += outcome.failed
        result.problems.extend(outcome.problems)
        result.notes.extend(outcome.notes)
        if outcome.error is not None:
            result.error = result.error or outcome.error
            result.problems.append(outcome.error)
    result.not_modified = all(outcome.unchanged for outcome in outcomes)
    floors = [o.floor for o in outcomes if o.floor] + [result.state.min_interval or timedelta(0)]
    longest = min(max(floors), _LONGEST_FLOOR)
    result.next_run_floor = result.started_at + longest if longest else None
    expected = definition.expect.min_items
    if not result.not_modified and expected and len(result.items) < expected:
        result.problems.append(f"expected at least {expected} item(s), read {len(result.items)}")
    failed = sum(1 for outcome in outcomes if outcome.error is not None)
    if failed == len(outcomes):
        result.status = RunStatus.FAILED
    elif failed or result.problems:
        result.status = RunStatus.DEGRADED
    else:
        result.status = RunStatus.SUCCESS


def _fail(result: PollResult, problem: str) -> None:
    result.status = RunStatus.FAILED
    result.error = result.error or problem
    result.problems.append(problem)


def _enabled(definition: SourceDefinition, state: FeedState | None) -> bool:
    return definition.enabled and (state is None or state.enabled)


def _copy(state: FeedState) -> FeedState:
    resources = {url: replace(resource) for url, resource in state.resources.items()}
    return replace(state, resources=resources)
