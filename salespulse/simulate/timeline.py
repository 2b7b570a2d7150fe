"""Calendar arithmetic for the simulated company: business days, hours and month ends.

Every timestamp the simulator writes is built here, so they all carry the same zone
(Europe/Minsk, a fixed UTC+3 since 2011; a fixed offset keeps output independent of the
host's tz database) and sales activity lands on business days in business hours, which
is what makes weekly seasonality and month-end pushes visible in the KPIs.
"""

from __future__ import annotations

import calendar
import functools
import random
from datetime import date, datetime, time, timedelta, timezone

from salespulse.simulate.rand import Picker, below

#: Europe/Minsk has been UTC+3 all year since 2011.
MINSK = timezone(timedelta(hours=3), "Europe/Minsk")

#: Fixed-date public holidays in Belarus (month, day); treated like a Sunday.
HOLIDAYS = frozenset({(1, 1), (1, 2), (1, 7), (3, 8), (5, 1), (5, 9), (7, 3), (11, 7), (12, 25)})

#: Relative lead volume by weekday (Monday first): inbound demand follows the office week.
WEEKDAY_DEMAND = (1.05, 1.1, 1.05, 1.0, 0.85, 0.3, 0.25)

#: Office hours, as seconds after midnight: 09:00 to 19:00.
_OFFICE_OPENS, _OFFICE_SECONDS = 9 * 3600, 10 * 3600
_OFFICE_CLOSES = _OFFICE_OPENS + _OFFICE_SECONDS
_OPENS, _CLOSES = timedelta(seconds=_OFFICE_OPENS), timedelta(seconds=_OFFICE_CLOSES - 1)

#: Relative lead arrivals by hour of day (sums to 24): few at night, a peak mid-morning.
_HOURLY = (
    0.15,
    0.1,
    0.1,
    0.1,
    0.1,
    0.15,
    0.3,
    0.6,
    1.2,
    1.8,
    2.0,
    1.9,
    1.6,
    1.7,
    1.8,
    1.7,
    1.5,
    1.3,
    1.0,
    0.9,
    0.8,
    0.6,
    0.4,
    0.2,
)
_HOUR = Picker(range(24), _HOURLY)


@functools.lru_cache(maxsize=4096)
def at_midnight(day: date) -> datetime:
    """The first instant of ``day`` in Minsk time."""
    return datetime.combine(day, time(0, 0), tzinfo=MINSK)


def is_holiday(day: date) -> bool:
    return (day.month, day.day) in HOLIDAYS


@functools.lru_cache(maxsize=4096)
def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def demand_factor(day: date) -> float:
    """Lead volume relative to an average weekday; holidays count as Sundays."""
    return WEEKDAY_DEMAND[6] if is_holiday(day) else WEEKDAY_DEMAND[day.weekday()]


@functools.lru_cache(maxsize=4096)
def next_business_day(day: date) -> date:
    """``day`` itself when it is a business day, else the next one."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


@functools.lru_cache(maxsize=65536)
def add_business_days(day: date, count: int) -> date:
    """The business day ``count`` business days after ``day`` (rolled forward if needed).

    Durations of sales work (qualification delay, sales cycle) run in business days;
    adding calendar days and rolling weekends forward would pile three days of closes
    onto every Monday.
    """
    day = next_business_day(day)
    for _ in range(count):
        day = next_business_day(day + timedelta(days=1))
    return day


def previous_business_day(day: date) -> date:
    """``day`` itself when it is a business day, else the one before."""
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


def in_office_hours(moment: datetime) -> bool:
    return is_business_day(moment.date()) and _OFFICE_OPENS <= moment.hour * 3600 < _OFFICE_CLOSES


def into_office_hours(target: datetime, after: datetime, before: datetime) -> datetime:
    """``target`` moved to the next opening or the last closing, staying in (after, before)."""
    if in_office_hours(target):
        return target
    day, late = target.date(), target.hour * 3600 >= _OFFICE_CLOSES
    opening = at_midnight(next_business_day(day + timedelta(days=late))) + _OPENS
    closing = at_midnight(previous_business_day(day - timedelta(days=not late))) + _CLOSES
    for candidate in (opening, closing):
        if after < candidate < before:
            return candidate
    return target


def nearest_business_day(day: date) -> date:
    """Saturday becomes Friday, other days off roll forward (Sunday becomes Monday)."""
    if day.weekday() == 5 and is_business_day(day - timedelta(days=1)):
        return day - timedelta(days=1)
    return next_business_day(day)


def business_moment(day: date, rng: random.Random) -> datetime:
    """A moment in office hours (09:00-18:59) on ``day`` or the next business day."""
    second = _OFFICE_OPENS + below(rng, _OFFICE_SECONDS)
    return at_midnight(next_business_day(day)) + timedelta(seconds=second)


def lead_moment(day: date, rng: random.Random) -> datetime:
    """A moment on ``day`` drawn from the daily arrival profile of web and event leads."""
    second = 1 + below(rng, 3599)  # never exactly midnight: that instant belongs to targets
    return at_midnight(day) + timedelta(seconds=_HOUR(rng) * 3600 + second)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    """The last calendar day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def days_in_month(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return month_end(day) + timedelta(days=1)


def closing_days(day: date, count: int = 3) -> list[date]:
    """The last ``count`` business days of ``day``'s month, earliest first."""
    found: list[date] = []
    cursor = month_end(day)
    while len(found) < count and cursor.month == day.month:
        if is_business_day(cursor):
            found.append(cursor)
        cursor -= timedelta(days=1)
    return sorted(found)


def days_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400
