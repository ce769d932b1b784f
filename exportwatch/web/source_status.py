"""How each configured source is doing: crawl health and freshness, for the API and the admin.

`/api/sources` answers these models; the admin's sources table shows the same values, so an
agency and an operator never see two versions of a source's health.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from exportwatch.crawlers import SourceDefinition
from exportwatch.model import Kind, RunStatus
from exportwatch.services import Services
from exportwatch.store import RunRecord, SourceState

__all__ = [
    "PublisherModel",
    "SourceFreshness",
    "SourceHealth",
    "SourceResponse",
    "source_health",
    "source_response",
    "source_responses",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PublisherModel(_Model):
    """Who publishes a source."""

    name: str
    country: str | None
    url: str | None


class SourceHealth(_Model):
    """How crawling the source goes."""

    last_run_at: datetime | None
    status: RunStatus | None = Field(description="Outcome of the latest run; null: never ran.")
    consecutive_failures: int
    last_error: str | None
    next_run_at: datetime | None
    disabled_reason: str | None


class SourceFreshness(_Model):
    """How current the source's documents are: what agencies check before relying on them."""

    last_success_at: datetime | None = Field(description="End of the latest successful run.")
    last_import_at: datetime | None = Field(description="When a new document last arrived.")
    documents: int = Field(description="Documents of this source in the store.")


class SourceResponse(_Model):
    """A configured source with its health and freshness."""

    id: str
    name: str
    kind: Kind
    type: str
    publisher: PublisherModel | None
    enabled: bool
    schedule: str = Field(description="`every 6h` or `cron 0 6 * * 1-5`.")
    health: SourceHealth
    freshness: SourceFreshness


def source_responses(
    services: Services, definitions: list[SourceDefinition]
) -> list[SourceResponse]:
    """Health and freshness of every definition, in the order given."""
    states = {state.source_id: state for state in services.store.list_source_states()}
    counts = services.store.count_documents_by_source()
    return [
        source_response(
            services, definition, states.get(definition.id), counts.get(definition.id, 0)
        )
        for definition in definitions
    ]


def source_response(
    services: Services, definition: SourceDefinition, state: SourceState | None, documents: int
) -> SourceResponse:
    """One source's identity, health (latest run) and freshness."""
    run = next(iter(services.store.list_runs(definition.id, limit=1)), None)
    publisher = definition.publisher
    return SourceResponse(
        id=definition.id,
        name=definition.name,
        kind=definition.kind,
        type=definition.type,
        publisher=None
        if publisher is None
        else PublisherModel(
            name=publisher.name,
            country=publisher.country,
            url=str(publisher.url) if publisher.url else None,
        ),
        enabled=definition.enabled and (state is None or state.enabled),
        schedule=definition.schedule.describe(),
        health=source_health(state, run),
        freshness=SourceFreshness(
            last_success_at=state.last_success_at if state else None,
            last_import_at=services.store.newest_first_seen(definition.id) if documents else None,
            documents=documents,
        ),
    )


def source_health(state: SourceState | None, run: RunRecord | None) -> SourceHealth:
    """The health block from the stored state and the latest run."""
    return SourceHealth(
        last_run_at=state.last_run_at if state else None,
        status=run.status if run else None,
        consecutive_failures=state.consecutive_failures if state else 0,
        last_error=state.last_error if state else None,
        next_run_at=state.next_run_at if state else None,
        disabled_reason=state.disabled_reason if state else None,
    )
