"""Who is due for a digest now: each subscription's latest due moment in its subscriber's zone.

Daily subscriptions fall due at `daily_hour` local time, weekly ones at that hour on
`weekly_day` (0 = Monday), immediate ones at once. Local times come from zoneinfo, so 07:00
in Asia/Jakarta is 00:00 UTC while 07:00 in Europe/Berlin is 06:00 or, in summer, 05:00 UTC.
A slot missed while the service was down is still the latest one, so a run catches it up.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from exportwatch.model import Frequency, Subscription

__all__ = ["DueSubscription", "due_subscriptions", "latest_slot", "local_today", "zone_of"]

_UTC = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class DueSubscription:
    """A subscription whose digest may go now.

    `slot` is its latest due moment (UTC; the run's time for immediate ones): alerts matched
    up to then belong in this digest, later ones wait for the next slot. `unserved` says that
    no digest has served the subscription's frequency since `slot` (never true for immediate).
    """

    subscription: Subscription
    slot: datetime
    unserved: bool


@functools.lru_cache(maxsize=512)
def zone_of(name: str | None) -> ZoneInfo:
    """The IANA zone `name`; UTC when it is empty or unknown."""
    if not name:
        return _UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return _UTC


def local_today(now: datetime, zone: ZoneInfo) -> date:
    """The date it is in `zone` at `now`."""
    return now.astimezone(zone).date()


def latest_slot(subscription: Subscription, zone: ZoneInfo, now: datetime) -> datetime:
    """The latest moment at or before `now` when the subscription fell due, in UTC.

    Daily: today's `daily_hour` in `zone`, else yesterday's. Weekly: `daily_hour` on the latest
    `weekly_day`. Immediate: `now`. An hour skipped by a clock change counts as the hour after.
    """
    if subscription.frequency is Frequency.IMMEDIATE:
        return now.astimezone(UTC)
    hour = min(max(subscription.daily_hour, 0), 23)
    day = local_today(now, zone)
    step = timedelta(days=1)
    if subscription.frequency is Frequency.WEEKLY:
        day -= timedelta(days=(day.weekday() - subscription.weekly_day % 7) % 7)
        step = timedelta(days=7)
    slot = _at(day, hour, zone)
    if slot > now:
        slot = _at(day - step, hour, zone)
    return slot


def due_subscriptions(
    subscriptions: Iterable[Subscription],
    zone: ZoneInfo,
    now: datetime,
    last_served: Mapping[Frequency, datetime | None],
    frequencies: Collection[Frequency] = tuple(Frequency),
) -> list[DueSubscription]:
    """Each subscription of `frequencies` with its latest slot and whether that is unserved.

    `last_served` holds, per frequency, the latest slot a digest of the subscriber served.
    """
    due = []
    for subscription in subscriptions:
        if subscription.frequency not in frequencies:
            continue
        slot = latest_slot(subscription, zone, now)
        served = last_served.get(subscription.frequency)
        unserved = subscription.frequency is not Frequency.IMMEDIATE and (
            served is None or served < slot
        )
        due.append(DueSubscription(subscription, slot, unserved))
    return due


def _at(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
