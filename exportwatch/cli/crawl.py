"""`exportwatch crawl` and `sources preview`: run a source, or try it without storing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from exportwatch.cli.context import opened_services
from exportwatch.crawlers import SourceDefinition, load_definition, load_definitions
from exportwatch.crawling import Crawler, CrawlReport
from exportwatch.errors import ExportwatchError
from exportwatch.model import RunStatus
from exportwatch.previewing import PreviewItem, preview_source
from exportwatch.settings import Settings, load_settings
from exportwatch.taxonomy import Taxonomy, load_taxonomy

__all__ = ["crawl", "preview", "resolve_definitions"]


def crawl(
    source_ids: Annotated[list[str] | None, typer.Argument(help="Source ids to crawl.")] = None,
    all_sources: Annotated[bool, typer.Option("--all", help="Every enabled source.")] = False,
) -> None:
    """Fetch sources now: normalize, store, index and record each run (exit 1 if one failed)."""
    if not source_ids and not all_sources:
        raise ExportwatchError("name a source id, or --all")
    with opened_services() as services:
        definitions = resolve_definitions(services.settings, services.taxonomy, source_ids)
        if all_sources:
            definitions = [d for d in definitions if d.enabled]
        crawler = Crawler(services)
        reports = []
        for definition in definitions:
            typer.echo(f"{definition.id}: crawling…", err=True)
            reports.append(crawler.crawl(definition))
            typer.echo(_summary(reports[-1]))
    if any(report.status is RunStatus.FAILED for report in reports):
        raise typer.Exit(1)


def preview(
    source: Annotated[str, typer.Argument(help="A definition file, or a source id.")],
    limit: Annotated[int, typer.Option(min=1, help="Items to show.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Documents as the API's JSON.")] = False,
) -> None:
    """Fetch and normalize a source without storing anything; show what each item lacks."""
    settings = load_settings()
    taxonomy = load_taxonomy(settings.config_dir)
    path = Path(source)
    if path.suffix in (".yaml", ".yml") or path.exists():
        definition = load_definition(path, taxonomy)
    else:
        (definition,) = resolve_definitions(settings, taxonomy, [source])
    shown = preview_source(definition, settings, taxonomy, limit=limit)
    documents = [item.document for item in shown.items]
    if as_json:
        typer.echo(json.dumps([d.to_json() for d in documents], ensure_ascii=False, indent=2))
    else:
        Console().print(_preview_table(definition, shown.items))
    for problem in shown.problems:
        typer.echo(f"problem: {problem}", err=True)
    if shown.status is RunStatus.FAILED:
        raise typer.Exit(1)


def resolve_definitions(
    settings: Settings, taxonomy: Taxonomy, source_ids: list[str] | None
) -> list[SourceDefinition]:
    """The definitions with these ids from the sources dir (all of them when none is named)."""
    definitions = load_definitions(settings.sources_dir, taxonomy)
    if not source_ids:
        return definitions
    by_id = {definition.id: definition for definition in definitions}
    unknown = [source_id for source_id in source_ids if source_id not in by_id]
    if unknown:
        known = ", ".join(sorted(by_id)) or "none"
        raise ExportwatchError(
            f"unknown source {', '.join(unknown)} in {settings.sources_dir} (known: {known})"
        )
    return [by_id[source_id] for source_id in source_ids]


def _summary(report: CrawlReport) -> str:
    run, counts = report.run, report.run.counts
    line = (
        f"{report.source_id}: {run.status.value}, {counts.seen} seen, {counts.new} new, "
        f"{counts.updated} updated, {counts.unchanged} unchanged"
    )
    if run.first_error:
        line += f" ({run.first_error})"
    return line


def _preview_table(definition: SourceDefinition, items: list[PreviewItem]) -> Table:
    table = Table(title=f"{definition.id}: {len(items)} item(s), nothing stored")
    for column in ("Title", "Dates", "Place", "Sectors", "Empty"):
        table.add_column(column, overflow="fold")
    for item in items:
        document, empty = item.document, item.empty
        dates = " – ".join(str(d) for d in (document.starts_on, document.ends_on) if d)
        place = ", ".join(document.countries)
        if document.venue and document.venue.city:
            place = f"{document.venue.city} ({place})"
        table.add_row(document.title, dates, place, ", ".join(document.sectors), ", ".join(empty))
    return table
