"""Local days and the window arithmetic of docs/kpis.md ("Time").

Windows are closed ranges of local calendar days ending at the as-of day ``D``;
each has a previous window of the same shape, used by growth KPIs.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

WINDOWS: tuple[str, ...] = ("day", "wtd", "7d", "30d", "mtd", "qtd")
DayRange = tuple[date, date]


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def window(name: str, d: date, week_start: int = 0) -> DayRange:
    """The days of window ``name`` as of ``d``."""
    if name == "day":
        return d, d
    if name == "wtd":
        return d - timedelta(days=(d.weekday() - week_start) % 7), d
    if name == "7d":
        return d - timedelta(days=6), d
    if name == "30d":
        return d - timedelta(days=29), d
    if name == "mtd":
        return _month_start(d), d
    if name == "qtd":
        return _quarter_start(d), d
    raise ValueError(f"unknown window {name!r}")


def previous(name: str, d: date, week_start: int = 0) -> DayRange:
    """The window before ``window(name, d)``, per the table in docs/kpis.md."""
    start, end = window(name, d, week_start)
    if name in ("day", "wtd", "7d", "30d"):
        shift = timedelta(days=7 if name == "wtd" else (end - start).days + 1)
        return start - shift, end - shift
    months = 1 if name == "mtd" else 3
    prev_start = _add_months(start, -months)
    prev_end_limit = _month_end(_add_months(start, -1))
    if name == "mtd":
        return prev_start, min(
            prev_start.replace(day=1) + timedelta(days=d.day - 1), prev_end_limit
        )
    return prev_start, min(prev_start + (end - start), prev_end_limit)


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def period_label(start: date, end: date) -> str:
    """``mtd`` for a calendar month, ``qtd`` for a calendar quarter, else ``period``."""
    if start.day == 1 and end == _month_end(start):
        return "mtd"
    if start == _quarter_start(start) and end == _month_end(_add_months(start, 2)):
        return "qtd"
    return "period"
