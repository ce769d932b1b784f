"""`exportwatch subscribers add|list|remove|import`: manage who receives alert digests."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from exportwatch.alerts.subscribing import ImportReport, import_csv, subscribe
from exportwatch.alerts.tokens import DEFAULT_MAX_AGE, TokenPurpose
from exportwatch.cli.context import opened_services
from exportwatch.errors import ExportwatchError
from exportwatch.model import Frequency, Subscriber, Subscription

__all__ = ["add", "app", "import_file", "list_subscribers", "remove", "status", "summary"]

app = typer.Typer(help="Add, list, remove and import subscribers.", no_args_is_help=True)

SHOWN_ERRORS = 50
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="Email address (compared in any case).")],
    name: Annotated[str | None, typer.Option(help="Person's name, used in greetings.")] = None,
    organisation: Annotated[str | None, typer.Option(help="Company or body.")] = None,
    language: Annotated[
        str | None, typer.Option(help="Language of the emails: de, fr, pt-BR… (default: en)")
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(help="IANA zone for digest times (default: the home country's, or UTC)"),
    ] = None,
    sector: Annotated[
        list[str] | None, typer.Option(help="Sector code or name (any language); repeatable.")
    ] = None,
    market: Annotated[
        list[str] | None,
        typer.Option(help="Country or grouping: code or name (DE, Germany, EU); repeatable."),
    ] = None,
    home_country: Annotated[
        str | None, typer.Option(help="Where the company is based (finance eligibility).")
    ] = None,
    kind: Annotated[
        list[str] | None, typer.Option(help="event, finance or regulation; repeatable.")
    ] = None,
    keyword: Annotated[
        list[str] | None, typer.Option(help="Only items mentioning one of these; repeatable.")
    ] = None,
    subscription_language: Annotated[
        list[str] | None, typer.Option(help="Only items in these languages; repeatable.")
    ] = None,
    frequency: Annotated[
        str | None, typer.Option(help="immediate, daily or weekly (default: daily)")
    ] = None,
    daily_hour: Annotated[
        str | None, typer.Option(help="Local hour of the digest, 0-23 (default: 7)")
    ] = None,
    weekly_day: Annotated[
        str | None, typer.Option(help="Day of weekly digests: monday… or 0-6 (default: monday)")
    ] = None,
    confirmed: Annotated[
        bool,
        typer.Option(
            "--confirmed",
            help="The person already consented (e.g. an agency's client): send no "
            "confirmation request, start alerts at once.",
        ),
    ] = False,
) -> None:
    """Subscribe an address; unless --confirmed it gets a confirmation request, nothing else.

    Empty conditions mean any: without --sector every sector is matched, and so on.
    """
    subscriber_fields = {
        "email": email,
        "name": name,
        "organisation": organisation,
        "language": language,
        "timezone": timezone,
    }
    subscription_fields = {
        "sectors": sector or [],
        "markets": market or [],
        "home_country": home_country,
        "kinds": kind or [],
        "keywords": keyword or [],
        "languages": subscription_language or [],
        "frequency": frequency,
        "daily_hour": daily_hour,
        "weekly_day": weekly_day,
    }
    with opened_services() as services:
        result = subscribe(services, subscriber_fields, subscription_fields, confirmed=confirmed)
    added = result.subscriber
    what = summary(result.subscriptions[0]) if result.subscriptions else "no subscription"
    if result.confirmation_sent:
        days = DEFAULT_MAX_AGE[TokenPurpose.CONFIRM].days
        typer.echo(
            f"Added {added.email} ({what}); confirmation request sent: alerts start once "
            f"its link is followed (valid {days} days)."
        )
    else:
        typer.echo(f"Added {added.email} as confirmed ({what}); nothing was sent.")


@app.command("list")
def list_subscribers(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """Every subscriber: confirmed, pending or unsubscribed, with their subscriptions."""
    with opened_services() as services:
        subscribers = services.store.list_subscribers()
        subscriptions = services.store.subscriptions_by_subscriber()
    entries = [(s, subscriptions.get(s.id or 0, [])) for s in subscribers]
    if as_json:
        shaped = [_json(subscriber, subs) for subscriber, subs in entries]
        typer.echo(json.dumps(shaped, ensure_ascii=False, indent=2))
    elif not entries:
        typer.echo("No subscribers.")
    else:
        Console().print(_table(entries))


@app.command("remove")
def remove(email: Annotated[str, typer.Argument(help="Address to delete.")]) -> None:
    """Delete a subscriber with their subscriptions and delivery history."""
    with opened_services() as services:
        removed = services.store.remove_subscriber(email)
    if not removed:
        raise ExportwatchError(f"no subscriber with email {email.strip().lower()}")
    typer.echo(f"Removed {email.strip().lower()}.")


@app.command("import")
def import_file(
    path: Annotated[
        Path, typer.Argument(dir_okay=False, help="CSV file, columns named like add's options.")
    ],
    confirmed: Annotated[
        bool,
        typer.Option("--confirmed", help="Everyone in the file already consented: send nothing."),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row, store and send nothing.")
    ] = False,
) -> None:
    """Subscribe everyone in a CSV file (UTF-8; a column per option: email, name, sector…).

    List cells separate items with ";" or "|". Valid rows are imported even when others are
    not; every refused row is listed with its line and reason, and the exit status is then 1.
    """
    console = Console(stderr=True)
    shown = console.is_terminal  # a bar in a pipe or log is noise
    with (
        opened_services() as services,
        Progress(console=console, transient=True, disable=not shown) as progress,
    ):
        task = progress.add_task("Importing", total=None)
        report = import_csv(
            services,
            path,
            confirmed=confirmed,
            dry_run=dry_run,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    if report.problem:
        raise ExportwatchError(report.problem)
    _print_report(report, dry_run=dry_run)
    if report.failed:
        raise typer.Exit(1)


def status(subscriber: Subscriber) -> str:
    """confirmed, pending (waiting for the link to be followed) or unsubscribed."""
    if subscriber.unsubscribed_at is not None:
        return "unsubscribed"
    return "confirmed" if subscriber.confirmed_at is not None else "pending"


def summary(subscription: Subscription) -> str:
    """One line: frequency, then each condition set ("weekly (Mon) · sectors food · …")."""
    when = subscription.frequency.value
    if subscription.frequency is Frequency.WEEKLY:
        when += f" ({_DAYS[subscription.weekly_day]} {subscription.daily_hour:02d}:00)"
    elif subscription.frequency is Frequency.DAILY:
        when += f" ({subscription.daily_hour:02d}:00)"
    conditions = [
        ("sectors", subscription.sectors),
        ("markets", subscription.markets),
        ("home", [subscription.home_country] if subscription.home_country else []),
        ("kinds", [kind.value for kind in subscription.kinds]),
        ("keywords", subscription.keywords),
        ("languages", subscription.languages),
    ]
    parts = [f"{label} {', '.join(values)}" for label, values in conditions if values]
    return " · ".join([when, *(parts or ["everything"])])


def _table(entries: list[tuple[Subscriber, list[Subscription]]]) -> Table:
    table = Table(title=f"{len(entries)} subscribers")
    table.add_column("Email", no_wrap=True)
    table.add_column("Name", overflow="fold")
    table.add_column("Organisation", overflow="fold")
    table.add_column("Status")
    table.add_column("Subscriptions", overflow="fold")
    for subscriber, subscriptions in entries:
        table.add_row(
            subscriber.email,
            subscriber.name or "",
            subscriber.organisation or "",
            status(subscriber),
            "\n".join(summary(subscription) for subscription in subscriptions),
        )
    return table


def _json(subscriber: Subscriber, subscriptions: list[Subscription]) -> dict[str, Any]:
    return {
        "email": subscriber.email,
        "name": subscriber.name,
        "organisation": subscriber.organisation,
        "language": subscriber.language,
        "timezone": subscriber.timezone,
        "status": status(subscriber),
        "confirmed": status(subscriber) == "confirmed",
        "created_at": _iso(subscriber.created_at),
        "confirmed_at": _iso(subscriber.confirmed_at),
        "unsubscribed_at": _iso(subscriber.unsubscribed_at),
        "subscriptions": [
            {
                "sectors": s.sectors,
                "markets": s.markets,
                "home_country": s.home_country,
                "kinds": [kind.value for kind in s.kinds],
                "keywords": s.keywords,
                "languages": s.languages,
                "frequency": s.frequency.value,
                "daily_hour": s.daily_hour,
                "weekly_day": s.weekly_day,
                "summary": summary(s),
            }
            for s in subscriptions
        ],
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _print_report(report: ImportReport, *, dry_run: bool) -> None:
    for row in report.failed[:SHOWN_ERRORS]:
        typer.echo(f"{report.path}:{row.line}: {row.email or '(no email)'}: {row.error}", err=True)
    if len(report.failed) > SHOWN_ERRORS:
        typer.echo(f"… and {len(report.failed) - SHOWN_ERRORS} more refused rows", err=True)
    if report.ignored_columns:
        typer.echo(f"ignored columns: {', '.join(report.ignored_columns)}", err=True)
    imported, refused = len(report.imported), len(report.failed)
    if dry_run:
        typer.echo(f"{imported} valid, {refused} refused (dry run: nothing stored or sent)")
        return
    sent = sum(1 for row in report.imported if row.confirmation_sent)
    typer.echo(f"{imported} imported ({sent} confirmation requests sent), {refused} refused")
