"""The JSON API under /api: search, documents, sources with their freshness, subscriptions.

Search answers exactly `Results.to_json()`, the object `exportwatch search --json` prints; both
turn their parameters into a `Query` with `make_query`. The pydantic models describe these
shapes for the OpenAPI document at /openapi.json.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Query as Param
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from exportwatch.alerts.subscribing import subscribe
from exportwatch.crawlers import check_definitions
from exportwatch.model import Kind
from exportwatch.search import Query, Sort
from exportwatch.services import Services
from exportwatch.store import NotFoundError
from exportwatch.web.errors import ErrorResponse
from exportwatch.web.source_status import SourceResponse, source_responses
from exportwatch.web.subscription_guards import subscribe_rate_limit

__all__ = [
    "DocumentResponse",
    "SearchResponse",
    "SourceResponse",
    "SubscriptionRequest",
    "SubscriptionResponse",
    "make_query",
    "router",
]

router = APIRouter(prefix="/api", tags=["api"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorResponse, "description": "A parameter is invalid; `field` names it."},
}


# --- response models ------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VenueModel(_Model):
    """Where an event takes place."""

    name: str | None
    city: str | None
    country: str | None = Field(description="ISO 3166-1 alpha-2.")


class SourceLinkModel(_Model):
    """One source's copy of a document."""

    source_id: str
    url: str


class DocumentResponse(_Model):
    """A trade fair, finance scheme or regulation: `Document.to_json()`."""

    id: str
    kind: Kind
    title: str
    url: str
    source_id: str
    summary: str
    body: str
    language: str | None = Field(description="ISO 639-1.")
    published_at: datetime | None
    updated_at: datetime | None
    fetched_at: datetime | None
    starts_on: date | None
    ends_on: date | None
    deadline: date | None
    effective_on: date | None
    venue: VenueModel | None
    countries: list[str]
    eligible_countries: list[str]
    sectors: list[str]
    hs_codes: list[str]
    organizer: str | None
    provider: str | None
    reference: str | None
    content_hash: str
    links: list[SourceLinkModel]
    extra: dict[str, Any]


class HitModel(_Model):
    """A matching document with its score and highlighted snippets (HTML with <mark>)."""

    document: DocumentResponse
    score: float | None
    highlights: dict[str, str]


class FacetValueModel(_Model):
    """One facet bucket: how many results have this value."""

    value: str
    count: int


class SearchResponse(_Model):
    """One page of results, the total over all pages and facet counts: `Results.to_json()`."""

    total: int
    page: int
    size: int
    pages: int
    hits: list[HitModel]
    facets: dict[str, list[FacetValueModel]]


class SubscriptionRequest(_Model):
    """Who subscribes and to what. Sectors and markets may be codes or names in any language."""

    email: str
    name: str | None = None
    organisation: str | None = None
    language: str | None = Field(None, description="Language of the emails; default en.")
    timezone: str | None = Field(None, description="IANA name; default the home country's.")
    sectors: list[str] = []
    markets: list[str] = []
    home_country: str | None = None
    kinds: list[str] = []
    keywords: list[str] = []
    languages: list[str] = Field([], description="Languages of the documents wanted.")
    frequency: str | None = Field(None, description="daily (default) or weekly, …")
    daily_hour: int | str | None = Field(None, description="0-23, in the subscriber's zone.")
    weekly_day: int | str | None = Field(None, description="0 (Monday) to 6, or a day name.")


class SubscriptionResponse(_Model):
    """The subscription waits for the address owner to follow the link in the email."""

    status: str = "confirmation_sent"


# --- shared parameter parsing ---------------------------------------------------------------


def make_query(
    text: str = "",
    *,
    kinds: list[Kind] | None = None,
    sectors: list[str] | None = None,
    markets: list[str] | None = None,
    languages: list[str] | None = None,
    sources: list[str] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    upcoming: bool = False,
    sort: Sort = Sort.RELEVANCE,
    page: int = 1,
    size: int = 20,
) -> Query:
    """The `Query` for search parameters as the API and the CLI receive them.

    Checking values against the taxonomy and limits is left to the index (QueryError).
    """
    return Query(
        text=text,
        kinds=tuple(kinds or ()),
        sectors=tuple(sectors or ()),
        markets=tuple(markets or ()),
        languages=tuple(languages or ()),
        sources=tuple(sources or ()),
        date_from=_day(date_from),
        date_to=_day(date_to),
        upcoming=upcoming,
        sort=sort,
        page=page,
        size=size,
    )


def _day(value: date | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


# --- routes ---------------------------------------------------------------------------------

_SUBSCRIBER_FIELDS = ("email", "name", "organisation", "language", "timezone")


@router.get(
    "/search",
    response_model=SearchResponse,
    summary="Search documents",
    responses={
        **_ERRORS,
        503: {"model": ErrorResponse, "description": "The search index is unreachable."},
    },
)
def search(
    request: Request,
    q: Annotated[str, Param(description='Words, "phrases", -exclusions, OR, prefix*.')] = "",
    kind: Annotated[list[Kind] | None, Param(description="Repeatable.")] = None,
    sector: Annotated[list[str] | None, Param(description="Sector code; repeatable.")] = None,
    market: Annotated[
        list[str] | None, Param(description="Country or grouping code; repeatable.")
    ] = None,
    date_from: Annotated[date | None, Param(alias="from", description="YYYY-MM-DD.")] = None,
    date_to: Annotated[date | None, Param(alias="to", description="YYYY-MM-DD.")] = None,
    lang: Annotated[list[str] | None, Param(description="ISO 639-1 code; repeatable.")] = None,
    source: Annotated[list[str] | None, Param(description="Source id; repeatable.")] = None,
    upcoming: Annotated[bool, Param(description="Only items not yet over.")] = False,
    sort: Sort = Sort.RELEVANCE,
    page: Annotated[int, Param(description="Page number, from 1.")] = 1,
    size: Annotated[int, Param(description="Hits per page, 1-100.")] = 20,
) -> JSONResponse:
    """Full-text search with filters; sectors include sub-sectors, markets expand groupings.

    A page past the last one has no hits; `total` still counts every match.
    """
    query = make_query(
        q,
        kinds=kind,
        sectors=sector,
        markets=market,
        languages=lang,
        sources=source,
        date_from=date_from,
        date_to=date_to,
        upcoming=upcoming,
        sort=sort,
        page=page,
        size=size,
    )
    results = _services(request).index.search(query)
    return JSONResponse(results.to_json())


@router.get(
    "/documents/{document_id:path}",
    response_model=DocumentResponse,
    summary="One document",
    responses={404: {"model": ErrorResponse, "description": "No document with this id."}},
)
def document(request: Request, document_id: str) -> JSONResponse:
    """The stored document, with every source's link to it."""
    found = _services(request).store.get_document(document_id)
    if found is None:
        raise NotFoundError("document", document_id)
    return JSONResponse(found.to_json())


@router.get("/sources", response_model=list[SourceResponse], summary="Sources and freshness")
def sources(request: Request) -> list[SourceResponse]:
    """Every configured source with its crawl health and how fresh its documents are."""
    services = _services(request)
    checked = check_definitions([services.settings.sources_dir], services.taxonomy)
    definitions = [outcome.definition for outcome in checked if outcome.definition is not None]
    return source_responses(services, definitions)


@router.post(
    "/subscriptions",
    status_code=202,
    response_model=SubscriptionResponse,
    summary="Subscribe to alerts",
    responses={
        **_ERRORS,
        409: {"model": ErrorResponse, "description": "The address is already subscribed."},
        429: {"model": ErrorResponse, "description": "Too many subscriptions from the client."},
        503: {"model": ErrorResponse, "description": "The confirmation could not be sent."},
    },
    dependencies=[Depends(subscribe_rate_limit)],  # one limit shared with the /subscribe page
)
def create_subscription(request: Request, body: SubscriptionRequest) -> SubscriptionResponse:
    """Store the subscription and email a confirmation link; nothing else is sent until then."""
    fields = body.model_dump(exclude_unset=True)
    subscriber = {name: fields.pop(name) for name in _SUBSCRIBER_FIELDS if name in fields}
    subscribe(_services(request), subscriber, fields)
    return SubscriptionResponse()


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services
