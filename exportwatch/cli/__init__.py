"""The `exportwatch` command line: one Typer app, one module per command group."""

from exportwatch.cli.main import app, main

__all__ = ["app", "main"]
