"""iCalendar sources end to end: all-day and timed events, time zones, recurrences, breakage."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from exportwatch.crawlers import (
    Extracted,
    IcsSource,
    validate_definition,
)
from exportwatch.model import RawItem
from tests.crawlers.conftest import fetch_and_extract
from tests.mockserver import FixtureServer

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CALENDAR = "ics/export-calendar.ics"
HELPDESK = "helpdesk@export-calendar.example-chamber.de"


def source(**fields: Any) -> IcsSource:
    data = {
        "id": "ics-chamber",
        "name": "Chamber export calendar",
        "kind": "event",
        "type": "ics",
        "url": "https://www.example-chamber.de/export.ics",
    }
    definition = validate_definition(data | fields, None)
    assert isinstance(definition, IcsSource)
    return definition


def by_guid(result: Extracted) -> dict[str, RawItem]:
    return {str(item.guid): item for item in result.items}


def test_all_day_event_ends_on_its_last_day(fixture_server: FixtureServer) -> None:
    result = fetch_and_extract(fixture_server, CALENDAR, source())
    anuga = by_guid(result)["fair-2026-anuga@export-calendar.example-chamber.de"]
    assert anuga.title == "Anuga 2026 – joint national pavilion" and anuga.language == "en"
    assert anuga.url == "https://www.example-chamber.de/fairs/anuga-2026"
    assert anuga.summary == (
        "Exhibit on the joint pavilion for food and beverage producers.\n"
        "Stand space from 12 m², registration until 30 April 2026."
    )
    assert anuga.fields == {
        "starts": "2026-10-10",
        "ends": "2026-10-14",  # DTEND 2026-10-15 is exclusive
        "location": "Koelnmesse, Messeplatz 1, Cologne, Germany",
        "coordinates": "50.9473 6.9829",
        "categories": ["Trade fairs", "Food & beverages"],
        "organizer": "Koelnmesse GmbH",
        "published": "2025-11-15T10:15:00+00:00",
        "updated": "2026-02-10T14:30:00+00:00",
    }
    assert (result.problems, result.error) == ([], None)


def test_single_events_keep_their_times_and_zones(fixture_server: FixtureServer) -> None:
    items = by_guid(fetch_and_extract(fixture_server, CALENDAR, source()))
    consultation = items["consultation-2026-05@export-calendar.example-chamber.de"]
    assert consultation.fields["starts"] == "2026-05-12T09:00:00+02:00"
    assert consultation.fields["ends"] == "2026-05-12T17:00:00+02:00"
    assert consultation.fields["timezone"] == "Europe/Berlin"
    assert consultation.fields["location"] == "IHK-Haus, Raum 3.12, Düsseldorf"
    assert consultation.url == fixture_server.url(CALENDAR)  # no URL: the calendar's
    webinar = items["webinar-incoterms@export-calendar.example-chamber.de"]
    assert (webinar.fields["starts"], webinar.fields["ends"]) == (  # DURATION:PT1H30M
        "2026-06-15T13:00:00+00:00",
        "2026-06-15T14:30:00+00:00",
    )
    one_day = items["market-day-india@export-calendar.example-chamber.de"]
    assert (one_day.fields["starts"], one_day.fields["ends"]) == ("2026-04-20", "2026-04-20")
    cancelled = items["gulf-mission@export-calendar.example-chamber.de"]
    assert cancelled.fields["status"] == "cancelled" and cancelled.fields["ends"] == "2026-09-10"


def test_recurring_events_are_expanded_within_the_horizon(fixture_server: FixtureServer) -> None:
    result = fetch_and_extract(fixture_server, CALENDAR, source())
    helpdesk = [item for item in result.items if str(item.guid).startswith(HELPDESK)]
    starts = [item.fields["starts"] for item in helpdesk]
    # First Tuesdays from the crawl (1 March 2026) for a year; 7 April is an EXDATE and 2 June
    # was moved to Wednesday 3 June (RECURRENCE-ID), keeping the original occurrence's guid.
    assert starts == [
        "2026-03-03T10:00:00+01:00",
        "2026-05-05T10:00:00+02:00",
        "2026-07-07T10:00:00+02:00",
        "2026-08-04T10:00:00+02:00",
        "2026-09-01T10:00:00+02:00",
        "2026-10-06T10:00:00+02:00",
        "2026-11-03T10:00:00+01:00",
        "2026-12-01T10:00:00+01:00",
        "2027-01-05T10:00:00+01:00",
        "2027-02-02T10:00:00+01:00",
        "2026-06-03T14:00:00+02:00",
    ]
    moved = helpdesk[-1]
    assert moved.guid == f"{HELPDESK}#2026-06-02T10:00:00"
    assert moved.title == "Export helpdesk – open hours (moved to Wednesday)"
    assert moved.fields["location"] == "Online"
    assert helpdesk[0].guid == f"{HELPDESK}#2026-03-03T10:00:00"
    forum = [item for item in result.items if str(item.guid).startswith("africa-forum@")]
    assert [(item.guid, item.fields["starts"], item.fields["ends"]) for item in forum] == [
        ("africa-forum@export-calendar.example-chamber.de#2026-11-20", "2026-11-20", "2026-11-21")
    ]
    assert len(result.items) == 17


def test_a_shorter_horizon_and_past_days(fixture_server: FixtureServer) -> None:
    rules = {"horizon_days": 70, "past_days": 60}
    result = fetch_and_extract(fixture_server, CALENDAR, source(rules=rules))
    starts = [item.fields["starts"] for item in result.items if str(item.guid).startswith(HELPDESK)]
    assert starts == [
        "2026-01-06T10:00:00+01:00",
        "2026-02-03T10:00:00+01:00",
        "2026-03-03T10:00:00+01:00",
        "2026-05-05T10:00:00+02:00",
    ]


def test_a_broken_and_cut_off_calendar_keeps_what_it_can(fixture_server: FixtureServer) -> None:
    started = time.perf_counter()
    result = fetch_and_extract(fixture_server, "ics/broken-calendar.ics", source())
    assert time.perf_counter() - started < 5
    items = by_guid(result)
    assert sorted(items) == ["cut@example.org", "good@example.org", "mars@example.org"]
    good = items["good@example.org"]
    assert (good.title, good.fields["starts"], good.fields["ends"]) == (
        "Export day Lower Saxony",
        "2026-05-12",
        "2026-05-13",
    )
    assert items["mars@example.org"].fields["starts"] == "2026-06-01T09:00:00"
    assert items["cut@example.org"].title == "Event cut off by a truncated download"
    assert result.failed == 1 and result.error is None
    problems = "\n".join(result.problems)
    assert "the calendar is cut off (VCALENDAR, VEVENT never closed)" in problems
    assert "event 'bad-date@example.org' skipped: DTSTART:" in problems
    assert "'this line is not a property'" in problems
    assert "unknown time zone 'Mars/Olympus_Mons' in DTSTART" in problems
    assert (
        "event 'never@example.org': RRULE 'FREQ=DAILY;BYMONTHDAY=30;BYMONTH=2' never occurs"
        in problems
    )


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "empty response: there is no calendar to read"),
        (
            b"<!DOCTYPE html><html><body>Not found</body></html>",
            "not an iCalendar file: the answer",
        ),
        (b"SUMMARY:loose text\r\n", "not an iCalendar file: there is no BEGIN:VCALENDAR in it"),
    ],
)
def test_unusable_answers_are_errors(
    fixture_server: FixtureServer, body: bytes, error: str
) -> None:
    fixture_server.set(CALENDAR, body=body)
    result = fetch_and_extract(fixture_server, CALENDAR, source())
    assert result.items == [] and result.error is not None and result.error.startswith(error)


def test_an_empty_calendar_is_a_problem(fixture_server: FixtureServer) -> None:
    fixture_server.set(CALENDAR, body=b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    result = fetch_and_extract(fixture_server, CALENDAR, source())
    assert (result.items, result.problems, result.error) == (
        [],
        ["the calendar has no events"],
        None,
    )


def test_an_event_that_trips_a_library_costs_only_that_event(
    fixture_server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("dateutil went wrong")

    monkeypatch.setattr("exportwatch.crawlers.extract_ics._rrule", broken)
    result = fetch_and_extract(fixture_server, CALENDAR, source())
    assert len(result.items) == 5  # the single events; both recurring series are lost
    assert result.failed == 2
    assert f"event '{HELPDESK}' skipped: RuntimeError: dateutil went wrong" in result.problems


def test_ics_rules_have_defaults_and_bounds() -> None:
    assert (source().rules.horizon_days, source().rules.past_days) == (365, 0)
    with pytest.raises(ValueError, match="horizon_days"):
        source(rules={"horizon_days": 0})
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        source(rules={"horizon": 30})
