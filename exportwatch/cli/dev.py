"""`exportwatch dev ...`: helpers for developers (a local Elasticsearch node)."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(help="Developer helpers.", no_args_is_help=True)


@app.command("elasticsearch")
def elasticsearch(
    version: str | None = typer.Option(None, help="Server version [EXPORTWATCH_ES_VERSION]."),
    port: int | None = typer.Option(None, help="HTTP port (default: any free port)."),
    heap: str | None = typer.Option(None, help="JVM heap, e.g. 1g [EXPORTWATCH_ES_HEAP]."),
) -> None:
    """Start a local Elasticsearch node (fetched once with Maven) and keep it running."""
    from exportwatch.devtools.elasticsearch import run_foreground

    raise typer.Exit(run_foreground(version=version, http_port=port, heap=heap))
