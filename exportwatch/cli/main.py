"""Entry point: builds the command tree and turns expected errors into one line and exit 2."""

from __future__ import annotations

import sys

import typer

from exportwatch.cli import alerts, crawl, demo, dev, ingest, run, search, sources, subscribers
from exportwatch.errors import ExportwatchError

__all__ = ["app", "main"]

app = typer.Typer(
    name="exportwatch",
    help="Collect trade fairs, export-finance schemes and market regulations; alert SMEs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("run")(run.run)
app.command("demo")(demo.demo)
app.command("search")(search.search)
app.command("reindex")(search.reindex)
app.command("ingest")(ingest.ingest)
app.command("crawl")(crawl.crawl)
sources.app.command("preview")(crawl.preview)
app.add_typer(dev.app, name="dev")
app.add_typer(sources.app, name="sources")
app.add_typer(subscribers.app, name="subscribers")
app.add_typer(alerts.app, name="alerts")


def main() -> None:
    """Run the CLI; configuration and input errors end with one readable line, not a traceback."""
    try:
        app()
    except ExportwatchError as error:
        print(f"exportwatch: error: {error}", file=sys.stderr)
        sys.exit(2)
