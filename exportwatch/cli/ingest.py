"""`exportwatch ingest FILE.jsonl`: import partners' documents in the API's JSON shape."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from exportwatch.alerts.matching_run import match_documents
from exportwatch.cli.context import opened_services
from exportwatch.model import Document, utcnow
from exportwatch.pipeline.jsonl import LineError, read_jsonl
from exportwatch.pipeline.processing import Pipeline, PipelineReport
from exportwatch.search.sync import sync_outbox

__all__ = ["ingest"]

SHOWN_ERRORS = 50


def ingest(
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="JSONL file.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate every line, store nothing.")
    ] = False,
) -> None:
    """Import documents (one JSON object per line, as GET /api/documents/{id} returns them).

    Valid lines are imported even when others are not; every rejected line is listed with the
    field at fault, and the command then exits with status 1.
    """
    console, errors = Console(stderr=True), []
    documents: list[Document] = []
    with opened_services() as services:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Reading", total=_count_lines(path))
            for outcome in read_jsonl(path, services.taxonomy, fetched_at=utcnow()):
                progress.advance(task)
                if isinstance(outcome, LineError):
                    errors.append(outcome)
                else:
                    documents.append(outcome)
        report = PipelineReport(seen=len(documents))
        if documents and not dry_run:
            Pipeline(services.store, services.taxonomy).save(documents, report)
            sync = sync_outbox(services.store, services.index)
            if not sync.ok:
                console.print(f"[yellow]search index not updated yet: {sync.error}[/]")
            changed = [*report.new, *report.changed]
            match_documents(services.store, services.taxonomy, changed)  # unchanged: no alert
    _print_summary(path, report, errors, dry_run=dry_run)
    if errors:
        raise typer.Exit(1)


def _print_summary(
    path: Path, report: PipelineReport, errors: list[LineError], *, dry_run: bool
) -> None:
    for error in errors[:SHOWN_ERRORS]:
        typer.echo(f"{path}: {error}", err=True)
    if len(errors) > SHOWN_ERRORS:
        typer.echo(f"… and {len(errors) - SHOWN_ERRORS} more rejected lines", err=True)
    if dry_run:
        typer.echo(f"{report.seen} valid, {len(errors)} rejected (dry run: nothing stored)")
        return
    typer.echo(
        f"{report.seen} valid: {len(report.new)} new, {len(report.changed)} changed, "
        f"{report.unchanged} unchanged, {report.merged} merged with another source; "
        f"{len(errors)} rejected"
    )


def _count_lines(path: Path) -> int:
    with path.open("rb") as lines:
        return sum(1 for line in lines if line.strip())
