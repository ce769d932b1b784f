"""`exportwatch sources check|list`: validate source definitions, show sources with their health."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from exportwatch.crawlers import CheckedFile, SourceDefinition, check_definitions
from exportwatch.settings import Settings, load_settings
from exportwatch.store import RunRecord, SourceState, Store
from exportwatch.taxonomy import load_taxonomy

__all__ = ["app", "check", "list_sources"]

app = typer.Typer(help="Check and list source definitions.", no_args_is_help=True)


@app.command("check")
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Definition files or directories [default: the sources dir]."),
    ] = None,
) -> None:
    """Validate source definitions: OK or the problem per file; exit code 1 if any is broken."""
    settings = load_settings()
    checked = _check(settings, paths or [settings.sources_dir])
    for outcome in checked:
        if outcome.definition is not None:
            definition = outcome.definition
            typer.echo(f"OK    {outcome.path} ({definition.id}, {definition.type})")
        else:
            typer.echo(f"FAIL  {outcome.error}")
    broken = sum(1 for outcome in checked if outcome.error is not None)
    typer.echo(f"{len(checked)} file(s) checked, {broken} with problems.")
    if broken:
        raise typer.Exit(1)


@app.command("list")
def list_sources() -> None:
    """Every source of the sources dir with its schedule and health (last run, failures)."""
    settings = load_settings()
    checked = _check(settings, [settings.sources_dir])
    definitions = [outcome.definition for outcome in checked if outcome.definition is not None]
    health = _health(settings, definitions)
    Console().print(_table(definitions, health, settings.sources_dir))
    broken = [outcome for outcome in checked if outcome.error is not None]
    for outcome in broken:
        typer.echo(f"not listed: {outcome.error}", err=True)
    if broken:
        raise typer.Exit(1)


def _check(settings: Settings, paths: list[Path]) -> list[CheckedFile]:
    return check_definitions(paths, load_taxonomy(settings.config_dir))


Health = dict[str, tuple[SourceState | None, RunRecord | None]]


def _health(settings: Settings, definitions: list[SourceDefinition]) -> Health:
    store = Store.open(settings)
    try:
        return {
            d.id: (store.get_source_state(d.id), next(iter(store.list_runs(d.id, limit=1)), None))
            for d in definitions
        }
    finally:
        store.close()


def _table(definitions: list[SourceDefinition], health: Health, directory: Path) -> Table:
    table = Table(title=f"{len(definitions)} sources in {directory}")
    table.add_column("ID", no_wrap=True)
    table.add_column("Name", overflow="fold")
    for column in ("Type", "Kind", "Enabled", "Schedule", "Last run", "Status", "Failures"):
        table.add_column(column)
    for definition in definitions:
        state, run = health.get(definition.id, (None, None))
        table.add_row(
            definition.id,
            definition.name,
            definition.type,
            definition.kind.value,
            _enabled(definition, state),
            definition.schedule.describe(),
            f"{state.last_run_at:%Y-%m-%d %H:%M}" if state and state.last_run_at else "never",
            run.status.value if run else "",
            str(state.consecutive_failures) if state else "0",
        )
    return table


def _enabled(definition: SourceDefinition, state: SourceState | None) -> str:
    if not definition.enabled:
        return "no"
    if state is not None and not state.enabled:
        return f"no: {state.disabled_reason or 'disabled'}"
    return "yes"
