"""`exportwatch search` and `exportwatch reindex`: query the index, rebuild it from the store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, TaskID
from rich.table import Table

from exportwatch.cli.context import opened_services
from exportwatch.model import Document, Kind
from exportwatch.search import Results, Sort
from exportwatch.search.sync import rebuild_index
from exportwatch.store import Store
from exportwatch.web.api import make_query

__all__ = ["reindex", "search"]


def search(
    text: Annotated[str, typer.Argument(help='Words, "phrases", -exclusions, OR, prefix*.')] = "",
    kind: Annotated[list[Kind] | None, typer.Option(help="Repeatable.")] = None,
    sector: Annotated[list[str] | None, typer.Option(help="Sector code; repeatable.")] = None,
    market: Annotated[list[str] | None, typer.Option(help="Country/grouping code.")] = None,
    lang: Annotated[list[str] | None, typer.Option("--lang", help="ISO 639-1 code.")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Source id; repeatable.")] = None,
    date_from: Annotated[datetime | None, typer.Option("--from", formats=["%Y-%m-%d"])] = None,
    date_to: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"])] = None,
    upcoming: Annotated[bool, typer.Option(help="Only items not yet over.")] = False,
    sort: Annotated[Sort, typer.Option(help="Result order.")] = Sort.RELEVANCE,
    page: Annotated[int, typer.Option(help="Page number, from 1.")] = 1,
    size: Annotated[int, typer.Option(help="Hits per page, 1-100.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON.")] = False,
) -> None:
    """Search collected trade fairs, finance schemes and regulations."""
    query = make_query(
        text,
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
    with opened_services() as services:
        results = services.index.search(query)
    if as_json:
        typer.echo(json.dumps(results.to_json(), ensure_ascii=False, indent=2))
    else:
        Console().print(results_table(results))


def reindex() -> None:
    """Rebuild the search index from the store: a new index, then an atomic switch."""
    with opened_services() as services, Progress(transient=True) as progress:
        task = progress.add_task("Indexing", total=services.store.count_documents())
        documents = _tracked(services.store, progress, task)
        count, report = rebuild_index(services.store, services.index, documents)
    typer.echo(f"Indexed {count} documents; applied {report.upserted} queued changes.")


def _tracked(store: Store, progress: Progress, task: TaskID) -> Iterator[Document]:
    for document in store.iter_documents():
        progress.advance(task)
        yield document


def results_table(results: Results) -> Table:
    """A readable table: title, kind, dates, place, source."""
    table = Table(title=f"{results.total} results · page {results.page} of {results.pages}")
    for column in ("Title", "Kind", "Dates", "Place", "Source"):
        table.add_column(column, overflow="fold")
    for hit in results.hits:
        doc = hit.document
        table.add_row(doc.title, doc.kind.value, key_dates(doc), place(doc), doc.source_id)
    return table


def key_dates(document: Document) -> str:
    """The dates that matter for the kind: event span, deadline, entry into force."""
    if document.starts_on:
        end = document.ends_on if document.ends_on != document.starts_on else None
        return f"{document.starts_on} – {end}" if end else str(document.starts_on)
    if document.deadline:
        return f"deadline {document.deadline}"
    if document.effective_on:
        return f"in force {document.effective_on}"
    return document.published_at.date().isoformat() if document.published_at else ""


def place(document: Document) -> str:
    """City and country of the venue, else the markets the item concerns."""
    venue = document.venue
    parts = [venue.city, venue.country] if venue else []
    return ", ".join(p for p in parts if p) or ", ".join(document.countries)
