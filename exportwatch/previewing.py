"""Try a source without storing anything: fetch, normalize, and say which fields came out empty.

`sources preview` and the admin's "Validate & preview" both call `preview_source`; fetching goes
through the settings' policy, so the SSRF guard applies exactly as in a crawl.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from exportwatch.crawlers import FetchPolicy, SourceDefinition
from exportwatch.crawling import collect
from exportwatch.model import Document, RunStatus
from exportwatch.pipeline.normalize import Normalizer
from exportwatch.settings import Settings
from exportwatch.taxonomy import Taxonomy

__all__ = ["PREVIEW_FIELDS", "Preview", "PreviewItem", "empty_fields", "preview_source"]

log = logging.getLogger(__name__)

# Fields worth filling: an empty one in a preview usually means a selector or mapping to fix.
PREVIEW_FIELDS = (
    "summary",
    "language",
    "published_at",
    "starts_on",
    "deadline",
    "venue",
    "countries",
    "sectors",
)


@dataclass(frozen=True, slots=True)
class PreviewItem:
    """One normalized item and the worth-filling fields it lacks."""

    document: Document
    empty: tuple[str, ...]


@dataclass(slots=True)
class Preview:
    """What a source yields now; `status` FAILED with `error` when nothing could be read."""

    source_id: str
    status: RunStatus
    items: list[PreviewItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    error: str | None = None
    http_statuses: dict[str, int] = field(default_factory=dict)


def preview_source(
    definition: SourceDefinition,
    settings: Settings,
    taxonomy: Taxonomy,
    *,
    limit: int = 10,
    normalizer: Normalizer | None = None,
) -> Preview:
    """Fetch and normalize up to `limit` items of `definition`; never raises for its trouble."""
    try:
        policy = FetchPolicy.from_settings(settings)
        result = collect(definition, None, policy=policy, limit=max(limit, 1))
        normalizer = normalizer or Normalizer(taxonomy)
        profile = definition.profile()
        documents = [normalizer.normalize(item, profile).document for item in result.items]
    except Exception as error:  # a preview shows the trouble instead of failing the caller
        log.exception("preview of %s failed", definition.id)
        message = f"internal error: {type(error).__name__}: {error}"
        return Preview(definition.id, RunStatus.FAILED, problems=[message], error=message)
    return Preview(
        source_id=definition.id,
        status=result.status,
        items=[PreviewItem(document, empty_fields(document)) for document in documents],
        problems=list(result.problems),
        error=result.error,
        http_statuses=dict(result.http_statuses),
    )


def empty_fields(document: Document) -> tuple[str, ...]:
    """The names of PREVIEW_FIELDS that `document` left empty."""
    data = document.to_json()
    return tuple(name for name in PREVIEW_FIELDS if not data.get(name))
