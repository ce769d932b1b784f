"""`exportwatch alerts run`: send the due alert digests now (the scheduler runs it too)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from exportwatch.alerts.digests import BOUNCE_LIMIT, DigestOutcome, DigestRunReport, run_digests
from exportwatch.cli.context import opened_services
from exportwatch.crawlers import check_definitions
from exportwatch.model import Frequency
from exportwatch.services import Services

__all__ = ["app", "describe_outcome", "parse_now", "run", "summary"]

app = typer.Typer(help="Send alert digests.", no_args_is_help=True)

_LABELS = {
    "sent": "sent",
    "retry": "retry",
    "bounced": "bounced",
    "disabled": "disabled",
    "dropped": "dropped",
    "would_send": "would send",
}


@app.command("run")
def run(
    frequency: Annotated[
        Frequency | None,
        typer.Option(help="Only subscriptions of this frequency are due (default: all)."),
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(
            help="The clock of this run, ISO 8601 (2025-03-03T07:00+01:00; without an offset: "
            "UTC). For tests and catching up.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Store nothing, send nothing: list what would go.")
    ] = False,
) -> None:
    """Send every due subscriber one digest, after re-sending what earlier runs still owe.

    Prints one line per subscriber (sent, retry, bounced, disabled, would send) and a summary.
    Failed deliveries are retried by later runs; they do not make the command fail.
    """
    clock = parse_now(now)
    with opened_services() as services:
        report = run_digests(
            services,
            now=clock,
            frequencies=[frequency] if frequency else None,
            dry_run=dry_run,
            source_names=_source_names(services),
            on_outcome=lambda outcome: typer.echo(describe_outcome(outcome)),
        )
    typer.echo(summary(report))


def parse_now(text: str | None) -> datetime | None:
    """`--now` as an aware datetime (no offset means UTC); BadParameter when unreadable."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not an ISO 8601 date and time (e.g. 2025-03-03T07:00+01:00)",
            param_hint="--now",
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def describe_outcome(outcome: DigestOutcome) -> str:
    """One line: what happened, to whom, how many items, and why it failed."""
    label = _LABELS[outcome.status]
    if outcome.resent:
        label = {"sent": "re-sent", "would_send": "would re-send"}.get(outcome.status, label)
    parts = [f"{label:<16} {outcome.email}", _items(outcome)]
    if outcome.status in ("bounced", "disabled"):
        parts.append(f"hard bounce {outcome.hard_bounces} of {BOUNCE_LIMIT}")
    if outcome.retry_at is not None:
        parts.append(f"next try {outcome.retry_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
    if outcome.held_back:
        parts.append(f"{outcome.held_back} more wait for the next run")
    line = "  ".join(parts)
    return f"{line}: {outcome.error}" if outcome.error else line


def summary(report: DigestRunReport) -> str:
    """The closing line: counts per outcome, or what a dry run would send."""
    if report.dry_run:
        items = sum(outcome.items for outcome in report.outcomes)
        return (
            f"{len(report.outcomes)} digests with {items} new items would go out "
            "(dry run: nothing stored or sent)"
        )
    resent = sum(1 for o in report.outcomes if o.resent and o.status == "sent")
    text = (
        f"{report.count('sent')} digests sent ({resent} re-sent) with {report.items_sent} new "
        f"items; {report.count('retry')} to retry, {report.count('bounced', 'disabled')} "
        f"bounced ({report.count('disabled')} addresses disabled)"
    )
    if report.count("dropped"):
        text += f", {report.count('dropped')} dropped"
    if report.relay_down:
        text += (
            f"; the mail relay seems down: stopped sending, {report.waiting} subscribers wait "
            "for the next run"
        )
    return text


def _items(outcome: DigestOutcome) -> str:
    text = f"{outcome.items} new"
    return f"{text}, {outcome.closing_soon} closing soon" if outcome.closing_soon else text


def _source_names(services: Services) -> dict[str, str]:
    """Display names of the sources in the sources dir (a broken file just shows its id)."""
    checked = check_definitions([services.settings.sources_dir], services.taxonomy)
    return {
        outcome.definition.id: outcome.definition.name
        for outcome in checked
        if outcome.definition is not None
    }
