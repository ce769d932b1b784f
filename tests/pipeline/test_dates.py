"""Dates in field values and free text: the labelled table, each rule, and properties."""

from __future__ import annotations

import json
import socket
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date, format_skeleton
from hypothesis import given, settings
from hypothesis import strategies as st

from exportwatch.model import Kind
from exportwatch.pipeline import date_scan, dates
from exportwatch.pipeline.dates import (
    AssignedDates,
    DateRole,
    DateSpan,
    FoundDate,
    Precision,
    SpanResult,
    assign_dates,
    find_dates,
    parse_datetime,
    parse_span,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pipeline" / "dates"
FETCHED = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)  # a Sunday
ROWS: list[dict[str, Any]] = [
    json.loads(line) for line in (FIXTURES / "cases.jsonl").read_text("utf-8").splitlines()
]
WORKING_LANGUAGES = ("en", "de", "fr", "es", "pt", "nl", "nb", "id")


def _span(start: str, end: str | None = None, precision: str = "day") -> DateSpan:
    return DateSpan(date.fromisoformat(start), date.fromisoformat(end) if end else None,
                    Precision(precision))  # fmt: skip


def _mismatch(row: dict[str, Any]) -> str | None:
    """Why the parsers read a table row differently from its label (None when they agree).

    `start`/`end`/`precision` (or `problem`) label what `parse_span` reads in the row as a field
    value. `role` labels the first date `find_dates` reads in it as free text, which must be the
    same span; `found` lists every date it reads there, where that differs (relative and yearless
    dates, which free text dates by their cues and the notification or event it names).
    """
    languages = (row["lang"],)
    result = parse_span(row["text"], languages=languages, relative_to=FETCHED)
    expected = None if row["start"] is None else _span(row["start"], row["end"], row["precision"])
    if expected is None and not (result.span is None and row["problem"] in (result.problem or "")):
        return f"expected problem {row['problem']!r}, got {result}"
    if expected is not None and result.span != expected:
        return f"expected {expected}, got {result}"
    found = find_dates(row["text"], languages=languages, relative_to=FETCHED)
    if "found" in row:
        read = [_as_row(item) for item in found]
        return None if read == row["found"] else f"find_dates expected {row['found']}, got {read}"
    if "role" in row:
        role = found[0].role if found else None
        if not found or found[0].span != expected or role != row["role"]:
            return f"find_dates expected role {row['role']}, got {found}"
    return None


def _as_row(item: FoundDate) -> dict[str, str | None]:
    end = item.span.end.isoformat() if item.span.end else None
    return {"start": item.span.start.isoformat(), "end": end, "role": item.role and item.role.value}


# --- the labelled table --------------------------------------------------------------------


def test_the_table_covers_every_working_language_with_enough_cases() -> None:
    assert len(ROWS) >= 120
    for language in WORKING_LANGUAGES:
        assert sum(row["lang"].startswith(language) for row in ROWS) >= 8, language


def test_the_table_is_read_exactly_in_at_least_97_percent_of_cases() -> None:
    failures = {row["text"]: why for row in ROWS if (why := _mismatch(row))}
    for text, why in failures.items():
        print(f"FAIL {text!r}: {why}")
    assert 1 - len(failures) / len(ROWS) >= 0.97
    # A row the parsers are known to misread says why in its "gap" field.
    assert set(failures) == {row["text"] for row in ROWS if "gap" in row}


@pytest.mark.parametrize(
    "row", [row for row in ROWS if "gap" not in row], ids=lambda row: f"{row['lang']}:{row['text']}"
)
def test_table_row(row: dict[str, Any]) -> None:
    assert _mismatch(row) is None


def test_the_fast_path_reads_almost_all_of_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    fallbacks: list[str] = []
    original = date_scan.dateparser_data

    def counting(text: str, ctx: Any) -> Any:
        fallbacks.append(text)
        return original(text, ctx)

    monkeypatch.setattr(date_scan, "dateparser_data", counting)
    for row in ROWS:
        parse_span(row["text"], languages=(row["lang"],), relative_to=FETCHED)
    assert len(fallbacks) / len(ROWS) <= 0.05, fallbacks


def test_the_public_surface_is_what_the_module_declares() -> None:
    assert set(dates.__all__) == {
        "AssignedDates", "DateRole", "DateSpan", "FoundDate", "Precision", "SpanResult",
        "assign_dates", "find_dates", "parse_datetime", "parse_span",
    }  # fmt: skip
    assert all(hasattr(dates, name) for name in dates.__all__)
    assert all(hasattr(date_scan, name) for name in date_scan.__all__)
    assert (dates.DateSpan, dates.Precision) == (date_scan.DateSpan, date_scan.Precision)


# --- parse_span: ranges, partials, numbers, years ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "3–6 June 2027", "3 June – 6 June 2027", "June 3-6, 2027", "03.-06.06.2027",
        "03.06.–06.06.2027", "du 3 au 6 juin 2027", "del 3 al 6 de junio de 2027",
        "3 t/m 6 juni 2027", "3.–6. juni 2027", "2027-06-03/06", "2027-06-03/2027-06-06",
        "3-6 Juni 2027", "de 3 a 6 de junho de 2027", "3 s/d 6 Juni 2027",
        "vom 3. bis 6. Juni 2027", "Thursday 3 – Sunday 6 June 2027", "between 3 and 6 June 2027",
        "03/06/2027 - 06/06/2027",
    ],
)  # fmt: skip
def test_ranges_in_every_common_form(text: str) -> None:
    assert parse_span(text, relative_to=FETCHED) == SpanResult(_span("2027-06-03", "2027-06-06"))


@pytest.mark.parametrize(
    ("text", "start", "end", "precision"),
    [
        ("June 2027", "2027-06-01", "2027-06-30", "month"),
        ("février 2028", "2028-02-01", "2028-02-29", "month"),
        ("Q3 2027", "2027-07-01", "2027-09-30", "quarter"),
        ("2. Quartal 2027", "2027-04-01", "2027-06-30", "quarter"),
        ("H1 2027", "2027-01-01", "2027-06-30", "half"),
        ("segundo semestre de 2027", "2027-07-01", "2027-12-31", "half"),
        ("spring 2027", "2027-03-01", "2027-05-31", "season"),
        ("Frühjahr 2027", "2027-03-01", "2027-05-31", "season"),
        ("winter 2026/27", "2026-12-01", "2027-02-28", "season"),
        ("2027", "2027-01-01", "2027-12-31", "year"),
        ("March – May 2027", "2027-03-01", "2027-05-31", "month"),
    ],
)
def test_partial_dates_span_their_period_and_are_imprecise(
    text: str, start: str, end: str, precision: str
) -> None:
    span = parse_span(text, relative_to=FETCHED).span
    assert span == _span(start, end, precision)
    assert span.imprecise


def test_a_single_day_has_no_end_and_is_precise() -> None:
    span = parse_span("3 June 2027").span
    assert span == DateSpan(date(2027, 6, 3), None, Precision.DAY)
    assert not span.imprecise and span.last == date(2027, 6, 3)


def test_end_of_a_period_is_its_last_day() -> None:
    for text in ("end of March 2027", "Ende März 2027", "fin mars 2027", "akhir Maret 2027"):
        assert parse_span(text).span == _span("2027-03-31"), text


def test_numbers_are_day_first_unless_impossible_or_the_source_is_american() -> None:
    assert parse_span("04/05/2027").span == _span("2027-05-04")
    assert parse_span("03/25/2027").span == _span("2027-03-25")
    assert parse_span("04/05/2027", languages=("en-US",)).span == _span("2027-04-05")
    assert parse_span("25/03/2027", languages=("en-US",)).span == _span("2027-03-25")


def test_two_digit_years_take_the_century_that_keeps_them_plausible() -> None:
    assert parse_span("15.03.27", relative_to=FETCHED).span == _span("2027-03-15")
    assert parse_span("15.03.95", relative_to=FETCHED).span == _span("1995-03-15")


def test_years_outside_1990_to_twenty_years_ahead_are_rejected() -> None:
    assert parse_span("31 December 1990", relative_to=FETCHED).span == _span("1990-12-31")
    assert parse_span("1 March 2047", relative_to=FETCHED).span == _span("2047-03-01")
    for text, year in (("1 March 2048", 2048), ("12.12.1989", 1989), ("2300", 2300)):
        result = parse_span(text, relative_to=FETCHED)
        assert result == SpanResult(None, f"year {year} out of range"), text


def test_an_end_before_the_start_is_a_problem_naming_both_dates() -> None:
    result = parse_span("15.–12. März 2027", relative_to=FETCHED)
    assert result == SpanResult(None, "end 2027-03-12 is before start 2027-03-15")
    assert parse_span("2027-06-06/03").problem == "end 2027-06-03 is before start 2027-06-06"


def test_a_range_borrows_the_year_of_its_second_part_and_may_cross_the_year() -> None:
    assert parse_span("28 Dec 2026 – 3 Jan 2027").span == _span("2026-12-28", "2027-01-03")
    assert parse_span("28 Dec – 3 Jan 2027").span == _span("2026-12-28", "2027-01-03")
    assert parse_span("Dec 28 – Jan 3, 2027").span == _span("2026-12-28", "2027-01-03")


def test_a_date_without_a_year_is_put_nearest_the_fetch_time() -> None:
    assert parse_span("15 March", relative_to=FETCHED).span == _span("2027-03-15")
    assert parse_span("20 December", relative_to=FETCHED).span == _span("2026-12-20")


def test_values_that_say_there_is_no_date_do_not_reach_dateparser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unexpected(text: str, ctx: Any) -> None:
        raise AssertionError(f"dateparser asked about {text!r}")

    monkeypatch.setattr(date_scan, "dateparser_data", unexpected)
    for text in ("TBA", "n/a", "Rolling basis.", "à confirmer", "laufend", "akan diumumkan", "–"):
        assert parse_span(text).problem == f"no date found in {text!r}"


def test_invalid_calendar_dates_and_text_without_dates_are_problems() -> None:
    assert "invalid date" in (parse_span("30 February 2027").problem or "")
    result = parse_span("to be confirmed")
    assert result.span is None
    assert result.problem == "no date found in 'to be confirmed'"


# --- relative dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "days"),
    [
        ("today", "en", 0), ("tomorrow", "en", 1), ("in 3 weeks", "en", 21),
        ("next Monday", "en", 1), ("heute", "de", 0), ("morgen", "de", 1), ("demain", "fr", 1),
        ("mañana", "es", 1), ("amanhã", "pt", 1), ("morgen", "nl", 1), ("i morgen", "nb", 1),
        ("besok", "id", 1), ("vor 3 Tagen", "de", -3), ("over 2 weken", "nl", 14),
        ("dalam 10 hari", "id", 10), ("in a week", "en", 7),
    ],
)  # fmt: skip
def test_relative_dates_count_from_the_fetch_time(text: str, language: str, days: int) -> None:
    expected = DateSpan(FETCHED.date() + timedelta(days=days))
    assert parse_span(text, languages=(language,), relative_to=FETCHED).span == expected


def test_relative_words_are_read_in_the_given_languages_only() -> None:
    assert parse_span("hier", languages=("fr",), relative_to=FETCHED).span == _span("2027-01-09")
    assert parse_span("hier", languages=("de",), relative_to=FETCHED).span is None  # "here"


def test_months_ahead_stop_at_the_end_of_a_short_month() -> None:
    fetched = datetime(2027, 1, 31, tzinfo=UTC)
    assert parse_span("in 1 month", relative_to=fetched).span == _span("2027-02-28")


# --- parse_datetime --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-01T10:00:00+01:00", datetime(2027, 3, 1, 9, tzinfo=UTC)),
        ("2027-03-01T10:00:00.250Z", datetime(2027, 3, 1, 10, 0, 0, 250000, tzinfo=UTC)),
        ("Mon, 01 Mar 2027 10:00:00 GMT", datetime(2027, 3, 1, 10, tzinfo=UTC)),
        ("Mon, 01 Mar 2027 10:00:00 +0100", datetime(2027, 3, 1, 9, tzinfo=UTC)),
        ("Mon, 01 Mar 2027 10:00:00 EST", datetime(2027, 3, 1, 15, tzinfo=UTC)),
        ("1 March 2027", datetime(2027, 3, 1, tzinfo=UTC)),
        ("3. März 2027, 14:30 Uhr MEZ", datetime(2027, 3, 3, 13, 30, tzinfo=UTC)),
        ("March 3, 2027 at 3 p.m. UTC", datetime(2027, 3, 3, 15, tzinfo=UTC)),
        ("Senin, 7 Juni 2027 10.00 WIB", datetime(2027, 6, 7, 3, tzinfo=UTC)),
        ("2027-03-01T10:00:00 Europe/Berlin", datetime(2027, 3, 1, 9, tzinfo=UTC)),
    ],
)
def test_timestamps_become_aware_utc(text: str, expected: datetime) -> None:
    value = parse_datetime(text, relative_to=FETCHED)
    assert value == expected
    assert value is not None and value.utcoffset() == timedelta(0)


def test_naive_timestamps_are_read_in_the_given_zone_else_utc() -> None:
    assert parse_datetime("2027-07-01 10:00") == datetime(2027, 7, 1, 10, tzinfo=UTC)
    in_oslo = parse_datetime("2027-07-01 10:00", timezone="Europe/Oslo")
    assert in_oslo == datetime(2027, 7, 1, 8, tzinfo=UTC)  # summer time, UTC+2
    assert parse_datetime("1 juillet 2027", timezone="Europe/Paris") == datetime(
        2027, 6, 30, 22, tzinfo=UTC
    )
    assert parse_datetime("2027-07-01 10:00", timezone="Not/AZone") == datetime(
        2027, 7, 1, 10, tzinfo=UTC
    )


def test_relative_timestamps_and_unreadable_ones() -> None:
    assert parse_datetime("today", relative_to=FETCHED) == FETCHED
    assert parse_datetime("3 hours ago", relative_to=FETCHED) == FETCHED - timedelta(hours=3)
    assert parse_datetime("no idea", relative_to=FETCHED) is None
    assert parse_datetime("1 March 2300", relative_to=FETCHED) is None


# --- find_dates and roles --------------------------------------------------------------------


def _found(name: str) -> tuple[str, list[FoundDate]]:
    text = (FIXTURES / name).read_text("utf-8")
    return text, find_dates(text, relative_to=FETCHED)


def test_a_wto_notification_counts_the_comment_period_from_its_distribution_date() -> None:
    text, found = _found("wto_notification.txt")
    assert [(item.span, item.role) for item in found] == [
        (_span("2027-03-03"), DateRole.PUBLISHED),
        (_span("2027-07-01", "2027-09-30", "quarter"), None),  # proposed date of adoption
        (_span("2028-01-01"), DateRole.EFFECTIVE),
        (_span("2027-05-02"), DateRole.DEADLINE),  # 60 days from 3 March
    ]
    assert text[found[3].offset :].startswith("60 days from notification")
    assert assign_dates(found, Kind.REGULATION) == AssignedDates(
        deadline=date(2027, 5, 2), effective_on=date(2028, 1, 1), published_on=date(2027, 3, 3)
    )


def test_without_a_publication_date_the_comment_period_counts_from_the_fetch_time() -> None:
    found = find_dates("Final date for comments: 60 days from notification", relative_to=FETCHED)
    assert found == [FoundDate(_span("2027-03-11"), DateRole.DEADLINE, 25)]


def test_a_fair_page_gives_the_event_period_deadline_and_publication() -> None:
    text, found = _found("fair_page_de.txt")
    assert [(item.span, item.role) for item in found] == [
        (_span("2027-03-23", "2027-03-26"), DateRole.PERIOD),
        (_span("2026-10-15"), DateRole.DEADLINE),
        (_span("2026-09-02"), DateRole.PUBLISHED),
    ]
    for item in found:
        assert text[item.offset].isdigit()
    assert assign_dates(found, Kind.EVENT) == AssignedDates(
        starts_on=date(2027, 3, 23), ends_on=date(2027, 3, 26), deadline=date(2026, 10, 15),
        published_on=date(2026, 9, 2),
    )  # fmt: skip


def test_a_scheme_page_gives_the_application_window_and_entry_into_force() -> None:
    _, found = _found("scheme_page_fr.txt")
    assert [(item.span, item.role) for item in found] == [
        (_span("2027-01-15"), DateRole.PUBLISHED),
        (_span("2027-02-01", "2027-03-31"), DateRole.DEADLINE),  # "candidatures … ouvertes du"
        (_span("2027-03-31"), DateRole.DEADLINE),
        (_span("2027-04-01"), DateRole.EFFECTIVE),
    ]
    assigned = assign_dates(found, Kind.FINANCE)
    assert (assigned.deadline, assigned.effective_on) == (date(2027, 3, 31), date(2027, 4, 1))


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("Anmeldeschluss: 1. März 2027", DateRole.DEADLINE),
        ("Kommentierungsfrist 1. März 2027", DateRole.DEADLINE),
        ("plazo hasta el 1 de marzo de 2027", DateRole.DEADLINE),
        ("uiterste datum 1 maart 2027", DateRole.DEADLINE),
        ("batas waktu 1 Maret 2027", DateRole.DEADLINE),
        ("gilt ab 1. März 2027", DateRole.EFFECTIVE),
        ("entrée en vigueur le 1er mars 2027", DateRole.EFFECTIVE),
        ("vigência a partir de 1 de março de 2027", DateRole.EFFECTIVE),
        ("ikrafttredelse 1. mars 2027", DateRole.EFFECTIVE),
        ("publié le 1er mars 2027", DateRole.PUBLISHED),
        ("gepubliceerd 1 maart 2027", DateRole.PUBLISHED),
        ("se celebrará el 1 de marzo de 2027", DateRole.PERIOD),
        ("finner sted 1. mars 2027", DateRole.PERIOD),
        ("berlangsung 1 Maret 2027", DateRole.PERIOD),
        ("1 March 2027", None),
    ],
)
def test_cue_words_before_a_date_give_its_role(text: str, role: DateRole | None) -> None:
    assert [item.role for item in find_dates(text, relative_to=FETCHED)] == [role]


def test_the_nearest_cue_wins_and_a_sentence_break_ends_a_cue() -> None:
    text = "Published 1 March 2027. Deadline for registration is 15 April 2027. See 3 May 2027."
    found = find_dates(text, relative_to=FETCHED)
    assert [item.role for item in found] == [DateRole.PUBLISHED, DateRole.DEADLINE, None]


def test_relative_words_in_prose_count_only_after_a_cue() -> None:
    assert find_dates("Wir sehen uns morgen früh.", relative_to=FETCHED) == []
    found = find_dates("Frist: morgen", languages=("de",), relative_to=FETCHED)
    assert found == [FoundDate(_span("2027-01-11"), DateRole.DEADLINE, 7)]
    found = find_dates("Deadline: in 2 weeks.", relative_to=FETCHED)
    assert found == [FoundDate(_span("2027-01-24"), DateRole.DEADLINE, 10)]


def test_free_text_reads_a_day_without_a_year_next_to_the_fetch_time() -> None:
    found = find_dates("Deadline: 15 March. Fair: Oct 3-5.", relative_to=FETCHED)
    assert [(item.span, item.role) for item in found] == [
        (_span("2027-03-15"), DateRole.DEADLINE),
        (_span("2026-10-03", "2026-10-05"), DateRole.PERIOD),
    ]


def test_free_text_ignores_numbers_that_only_look_like_dates() -> None:
    text = "Regulation (EU) 2019/1020, ISO 9001:2015, HS 1901, set 10 rules, version 1.2., 24/7"
    assert find_dates(text, relative_to=FETCHED) == []


def test_a_long_text_finds_dates_throughout() -> None:
    filler = "Operators shall keep records of the processes used. " * 200
    text = f"{filler}Deadline: 1 March 2027. {filler}Takes place 3-6 June 2027."
    found = find_dates(text, relative_to=FETCHED)
    assert [(item.span, item.role) for item in found] == [
        (_span("2027-03-01"), DateRole.DEADLINE),
        (_span("2027-06-03", "2027-06-06"), DateRole.PERIOD),
    ]
    assert text[found[1].offset :].startswith("3-6 June")


def test_until_joins_an_event_period_and_before_a_single_date_makes_a_deadline() -> None:
    text = "Register until 1 March 2027. The fair runs from 12 until 15 March 2027."
    found = find_dates(text, relative_to=FETCHED)
    assert [(item.span, item.role) for item in found] == [
        (_span("2027-03-01"), DateRole.DEADLINE),
        (_span("2027-03-12", "2027-03-15"), DateRole.PERIOD),
    ]


def test_a_publication_date_known_from_elsewhere_anchors_a_comment_period() -> None:
    text = "Final date for comments: 60 days after notification"
    found = find_dates(text, relative_to=FETCHED, published_on=date(2026, 11, 2))
    assert found == [FoundDate(_span("2027-01-01"), DateRole.DEADLINE, 25)]
    text += " (notified 21 October 2026)"  # the text's own notification date comes first
    found = find_dates(text, relative_to=FETCHED, published_on=date(2026, 11, 2))
    assert found[0] == FoundDate(_span("2026-12-20"), DateRole.DEADLINE, 25)


def test_the_notification_in_a_comment_period_is_no_cue_for_the_date_after_it() -> None:
    text = "Final date for comments: 60 days from notification, i.e. 11 March 2027."
    found = find_dates(text, relative_to=FETCHED)
    assert [(item.span, item.role) for item in found] == [
        (_span("2027-03-11"), DateRole.DEADLINE),
        (_span("2027-03-11"), DateRole.DEADLINE),
    ]


def test_finance_and_regulations_take_only_the_dates_their_cues_name() -> None:
    found = [
        FoundDate(_span("2027-02-01", "2027-03-31"), DateRole.PERIOD, 0),
        FoundDate(_span("2027-05-01"), None, 40),
    ]
    assert assign_dates(found, Kind.FINANCE).deadline is None
    assert assign_dates(found, Kind.REGULATION) == AssignedDates()
    assert assign_dates(found, Kind.EVENT) == AssignedDates(
        starts_on=date(2027, 2, 1), ends_on=date(2027, 3, 31)
    )


def test_a_registration_date_on_an_event_page_is_its_deadline() -> None:
    text = "Registration: 15 March 2027. The fair takes place 3–6 June 2027."
    assigned = assign_dates(find_dates(text, relative_to=FETCHED), Kind.EVENT)
    assert assigned == AssignedDates(
        starts_on=date(2027, 6, 3), ends_on=date(2027, 6, 6), deadline=date(2027, 3, 15)
    )


def test_a_day_within_an_effective_period_makes_it_exact() -> None:
    title = "Kennzeichnungspflicht ab August 2028\n"
    for body, effective in (
        ("Ab dem 12. August 2028 brauchen Verpackungen ein Etikett.", date(2028, 8, 12)),
        ("Ab dem 1. März 2029 gilt eine zweite Stufe.", date(2028, 8, 1)),  # not within it
    ):
        found = find_dates(title + body, languages=("de",), relative_to=FETCHED)
        assert assign_dates(found, Kind.REGULATION).effective_on == effective


# --- bad input and dateparser --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "", " ", "\x00\x01\x02", "garbage", "1900", "year 2300", "99/99/9999", "31.02.2027",
        "2027-13-45", "Q5 2027", "0 March 2027", "\u202e2027-03-01", "１２ March 2027",
        "12" * 20_000, "March " * 8_000, "3 June 2027 – " * 3_000,
    ],
)  # fmt: skip
def test_bad_input_never_raises(text: str) -> None:
    result = parse_span(text, relative_to=FETCHED)
    assert (result.span is None) != (result.problem is None)
    find_dates(text, relative_to=FETCHED)
    parse_datetime(text, relative_to=FETCHED, timezone="Europe/Berlin")


@pytest.mark.parametrize(
    "fetched",
    [datetime(9999, 12, 31, 23), datetime(1, 1, 1, tzinfo=UTC), datetime(2027, 1, 1)],
)
def test_odd_fetch_times_never_raise(fetched: datetime) -> None:
    for text in ("in 999 years", "999 days ago", "tomorrow", "next Monday", "3 hours ago"):
        parse_span(text, relative_to=fetched)
        find_dates(f"Deadline: {text}", relative_to=fetched)
        parse_datetime(text, relative_to=fetched, timezone="Pacific/Kiritimati")
    naive = parse_datetime("tomorrow", relative_to=datetime(2027, 1, 1))
    assert naive == datetime(2027, 1, 2, tzinfo=UTC)  # a naive fetch time is taken as UTC


def test_non_text_input_is_a_problem_not_an_error() -> None:
    assert parse_span(None, relative_to=FETCHED).problem == "not text: NoneType"  # type: ignore[arg-type]
    assert find_dates(b"1 March 2027") == []  # type: ignore[arg-type]
    assert parse_datetime(20270301) is None  # type: ignore[arg-type]


def test_dateparser_fallback_works_offline_and_without_warnings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object) -> None:
        raise OSError("no network in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = parse_span("next Friday", languages=("en",), relative_to=FETCHED)
        moment = parse_datetime("vor 2 Stunden", languages=("de",), relative_to=FETCHED)
    assert result.span == _span("2027-01-15")
    assert moment == FETCHED - timedelta(hours=2)
    assert caught == []


# --- properties ------------------------------------------------------------------------------

_DATEISH = st.sampled_from(
    ["3", "15.", "March", "juin", "2027", "1899", "2301", "–", "-", "/", "to", "au", "Q3", "H1",
     "spring", "de", "end of", "tomorrow", "in", "weeks", ",", "12:00", "GMT", "31", "02", "."]
)  # fmt: skip
_TEXT = st.one_of(st.text(max_size=80), st.lists(_DATEISH | st.text(max_size=3)).map(" ".join))


def _plausible(span: DateSpan) -> bool:
    return (
        span.start <= span.last
        and span.end != span.start
        and 1990 <= span.start.year <= span.last.year <= FETCHED.year + 20
    )


@settings(deadline=None, max_examples=150)
@given(_TEXT, st.sampled_from([(), ("en",), ("de",), ("en-US",), ("nb", "id")]))
def test_parse_span_never_raises_and_spans_are_ordered_and_plausible(
    text: str, languages: tuple[str, ...]
) -> None:
    result = parse_span(text, languages=languages, relative_to=FETCHED)
    assert (result.span is None) != (result.problem is None)
    if result.span is not None:
        assert _plausible(result.span)


@settings(deadline=None, max_examples=150)
@given(_TEXT)
def test_find_dates_never_raises_and_offsets_point_into_the_text(text: str) -> None:
    for item in find_dates(text, relative_to=FETCHED):
        assert _plausible(item.span)
        assert 0 <= item.offset < len(text)


@settings(deadline=None, max_examples=100)
@given(_TEXT, st.sampled_from([None, "UTC", "Asia/Jakarta", "America/New_York"]))
def test_parse_datetime_never_raises_and_returns_utc(text: str, zone: str | None) -> None:
    value = parse_datetime(text, relative_to=FETCHED, timezone=zone)
    assert value is None or value.utcoffset() == timedelta(0)


_DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2046, 12, 31))


@given(
    _DAYS, st.sampled_from((*WORKING_LANGUAGES, "it")), st.sampled_from(["medium", "long", "full"])
)
def test_a_formatted_day_reads_back(day: date, language: str, width: str) -> None:
    text = format_date(day, width, locale=language)
    assert parse_span(text, languages=(language,), relative_to=FETCHED).span == DateSpan(day)


@given(_DAYS, st.sampled_from((*WORKING_LANGUAGES, "it")))
def test_a_short_numeric_day_reads_back(day: date, language: str) -> None:
    text = format_date(day, "short", locale=language)
    languages = ("en-US",) if language == "en" else (language,)  # CLDR's "en" is American
    assert parse_span(text, languages=languages, relative_to=FETCHED).span == DateSpan(day)


@given(_DAYS, st.sampled_from(WORKING_LANGUAGES))
def test_a_formatted_month_reads_back_as_a_month(day: date, language: str) -> None:
    text = format_skeleton("yMMMM", day, locale=language)
    span = parse_span(text, languages=(language,), relative_to=FETCHED).span
    assert span is not None and span.precision is Precision.MONTH
    assert span.start == day.replace(day=1) and span.last.month == day.month
