"""Durations and timestamps at the edges: ``"2h"`` → seconds, aware datetimes ↔ ISO text.

>>> parse_duration("1h30m"), parse_duration("45s"), parse_duration(90)
(5400.0, 45.0, 90.0)
>>> to_iso(from_iso("2024-03-04T10:00:00+03:00"))
'2024-03-04T07:00:00Z'
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

__all__ = ["from_iso", "parse_duration", "to_iso", "utc"]

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> float:
    """Seconds from a number or an Alertmanager-style duration (``30s``, ``5m``, ``1h30m``)."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or text like '5m'")
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        raise ValueError("a duration is a number of seconds or text like '5m'")
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        pass
    if not text or _PART.sub("", text):
        raise ValueError(f"bad duration {value!r}: use e.g. 30s, 5m, 4h, 1h30m")
    return float(sum(float(n) * _UNIT_SECONDS[u] for n, u in _PART.findall(text)))


def utc(moment: datetime) -> datetime:
    """The same instant in UTC; naive datetimes are refused (every clock here is aware)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one (e.g. datetime.now(UTC))")
    return moment.astimezone(UTC)


def to_iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, as Alertmanager writes ``startsAt``."""
    return utc(moment).isoformat().replace("+00:00", "Z")


def from_iso(text: str) -> datetime:
    """Parse RFC 3339 text (``Z`` or an offset) into an aware UTC datetime."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return utc(moment)
