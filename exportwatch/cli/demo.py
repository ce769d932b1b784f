"""`exportwatch demo`: crawl the recorded sources, send a digest, print what to open, serve."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from exportwatch.cli.run import configure_logging, serve
from exportwatch.crawlers import SourceDefinition
from exportwatch.crawling import CrawlReport
from exportwatch.demo import (
    DEFAULT_DATA_DIR,
    DEMO_EMAIL,
    Demo,
    find_checkout,
    prepare_demo,
    tour_links,
)
from exportwatch.demo import run_demo as run_demo_steps
from exportwatch.model import RunStatus
from exportwatch.services import Services

__all__ = ["demo"]


def demo(
    data_dir: Annotated[
        Path,
        typer.Option(help="The demo's own data dir: wiped and recreated on every run."),
    ] = DEFAULT_DATA_DIR,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the web UI.")] = 8000,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Stop after printing the URLs (tests, CI).")
    ] = False,
) -> None:
    """The five-minute tour: crawl every shipped source from its recordings, send a digest.

    Runs from a clone (the recordings are in tests/fixtures/). Nothing reaches the internet:
    each source is served from 127.0.0.1, email goes to the outbox of DATA_DIR.
    """
    console = Console()
    started = time.monotonic()
    prepared = prepare_demo(data_dir, port, find_checkout())
    console.print(f"Demo data dir {prepared.settings.data_dir} (wiped and recreated).")
    try:
        services = _crawl_with_progress(prepared, console)
        try:
            _print_tour(prepared, services, console, time.monotonic() - started)
        finally:
            if no_serve:
                services.close()
        if not no_serve:
            configure_logging(prepared.settings)
            serve(services)  # closes them
    finally:
        prepared.stop()


def _crawl_with_progress(prepared: Demo, console: Console) -> Services:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("Crawling the recorded sources", total=len(prepared.definitions))

        def advance(definition: SourceDefinition, report: CrawlReport | None) -> None:
            if report is None:
                return
            progress.console.print(_crawl_line(report))
            progress.advance(task)

        return run_demo_steps(prepared, advance)


def _crawl_line(report: CrawlReport) -> str:
    run = report.run
    mark = "ok " if run.status is RunStatus.SUCCESS else run.status.value
    line = f"  {mark:<8} {report.source_id}: {run.counts.new} new items"
    return f"{line} ({run.first_error})" if run.first_error else line


def _print_tour(prepared: Demo, services: Services, console: Console, seconds: float) -> None:
    documents = services.store.count_documents()
    sent = prepared.digests.count("sent") if prepared.digests else 0
    console.print(
        f"\n{documents} documents from {len(prepared.reports)} sources in {seconds:.1f} s; "
        f"{sent} digest sent to {DEMO_EMAIL}."
    )
    console.print("\nOpen:")
    for link in tour_links(prepared, services):
        console.print(f"  {link.label:<32} {link.url}", highlight=False, soft_wrap=True)
    console.print(f"  Admin token: {prepared.admin_token}", highlight=False)
    for path in prepared.digest_files:
        console.print(f"\nThe digest email: {path}", highlight=False, soft_wrap=True)
