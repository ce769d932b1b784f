"""Who is due: local hours in the subscriber's zone, weekly days, immediate, served slots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from exportwatch.alerts.scheduling import due_subscriptions, latest_slot, local_today, zone_of
from exportwatch.model import Frequency, Subscription

JAKARTA = zone_of("Asia/Jakarta")  # UTC+7, no summer time
BERLIN = zone_of("Europe/Berlin")  # UTC+1, UTC+2 in summer


def daily(hour: int = 7) -> Subscription:
    return Subscription(1, 1, frequency=Frequency.DAILY, daily_hour=hour)


def weekly(day: int, hour: int = 7) -> Subscription:
    return Subscription(2, 1, frequency=Frequency.WEEKLY, daily_hour=hour, weekly_day=day)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "now", "slot"),
    [
        # 00:30 UTC is 07:30 in Jakarta (today's 07:00 passed) but 01:30 in Berlin (not yet).
        (JAKARTA, "2025-03-03T00:30", "2025-03-03T00:00"),
        (BERLIN, "2025-03-03T00:30", "2025-03-02T06:00"),
        (BERLIN, "2025-03-03T06:00", "2025-03-03T06:00"),  # the hour itself is due
        (BERLIN, "2025-07-01T05:10", "2025-07-01T05:00"),  # summer time: 07:00 is 05:00 UTC
        (BERLIN, "2025-07-01T04:59", "2025-06-30T05:00"),
    ],
)
def test_daily_slot_is_the_local_hour(zone: ZoneInfo, now: str, slot: str) -> None:
    assert latest_slot(daily(), zone, utc(now)) == utc(slot)


def test_an_hour_skipped_by_the_clock_change_counts_as_the_next() -> None:
    # Berlin skips 02:00-03:00 on 2025-03-30: a 02:00 digest goes at 03:00 CEST (01:00 UTC).
    assert latest_slot(daily(2), BERLIN, utc("2025-03-30T12:00")) == utc("2025-03-30T01:00")


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        ("2025-03-07T12:00", "2025-03-05T06:00"),  # Friday: last Wednesday's 07:00 Berlin
        ("2025-03-05T06:00", "2025-03-05T06:00"),  # Wednesday at the hour
        ("2025-03-05T05:59", "2025-02-26T06:00"),  # Wednesday before the hour: a week earlier
        ("2025-03-04T23:30", "2025-02-26T06:00"),  # Tuesday night
    ],
)
def test_weekly_slot_is_the_chosen_day(now: str, slot: str) -> None:
    assert latest_slot(weekly(2), BERLIN, utc(now)) == utc(slot)


def test_immediate_is_due_now_and_never_unserved() -> None:
    now = utc("2025-03-03T10:11")
    sub = Subscription(3, 1, frequency=Frequency.IMMEDIATE)
    [due] = due_subscriptions([sub], BERLIN, now, {Frequency.IMMEDIATE: None})
    assert due.slot == now and not due.unserved


def test_a_served_slot_is_not_due_again() -> None:
    now = utc("2025-03-03T09:00")
    slot = utc("2025-03-03T06:00")
    subs = [daily(), weekly(0)]  # 2025-03-03 is a Monday
    fresh = due_subscriptions(subs, BERLIN, now, {})
    assert [(d.slot, d.unserved) for d in fresh] == [(slot, True), (slot, True)]
    served = {Frequency.DAILY: slot, Frequency.WEEKLY: slot - timedelta(days=7)}
    later = due_subscriptions(subs, BERLIN, now, served)
    assert [d.unserved for d in later] == [False, True]


def test_only_the_asked_frequencies() -> None:
    subs = [daily(), weekly(0), Subscription(3, 1, frequency=Frequency.IMMEDIATE)]
    due = due_subscriptions(subs, BERLIN, utc("2025-03-03T09:00"), {}, {Frequency.IMMEDIATE})
    assert [d.subscription.id for d in due] == [3]


def test_unknown_or_empty_zones_are_utc() -> None:
    assert zone_of("Mars/Olympus_Mons") == zone_of("UTC") == zone_of(None) == zone_of("")
    assert latest_slot(daily(), zone_of("nope"), utc("2025-03-03T08:00")) == utc("2025-03-03T07:00")
    assert local_today(utc("2025-03-03T20:00"), JAKARTA).isoformat() == "2025-03-04"
