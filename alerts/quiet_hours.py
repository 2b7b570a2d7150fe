"""Quiet hours: a daily local-time window in which a subscription's notifications are held.

Held notifications are not dropped: the dispatcher sends them when the window ends. The
window may cross midnight (22:00–07:00) and is read in an IANA time zone, so it follows
daylight-saving changes.

>>> from datetime import datetime, UTC
>>> night = QuietHours(start="22:00", end="07:00", timezone="Europe/Minsk")
>>> night.contains(datetime(2024, 3, 4, 20, 30, tzinfo=UTC))  # 23:30 in Minsk
True
>>> night.ends_after(datetime(2024, 3, 4, 20, 30, tzinfo=UTC)).isoformat()
'2024-03-05T04:00:00+00:00'
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from alerts.timeutil import utc
from salespulse.settings import known_zone

__all__ = ["QuietHours"]

_HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class QuietHours(BaseModel):
    """``[start, end)`` every day in ``timezone``; ``start == end`` is refused as ambiguous."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: str = Field(pattern=_HHMM, description="Local time the quiet window opens, HH:MM.")
    end: str = Field(pattern=_HHMM, description="Local time it closes (held notifications go).")
    timezone: str = Field(default="UTC", description="IANA zone, e.g. Europe/Minsk.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("quiet hours start and end must differ")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @staticmethod
    def _clock(text: str) -> time:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))

    def contains(self, now: datetime) -> bool:
        """Is ``now`` inside the window?"""
        local = utc(now).astimezone(self.zone).time().replace(tzinfo=None)
        start, end = self._clock(self.start), self._clock(self.end)
        if start < end:
            return start <= local < end
        return local >= start or local < end

    def ends_after(self, now: datetime) -> datetime:
        """The first end of the window strictly after ``now``, in UTC."""
        local = utc(now).astimezone(self.zone)
        end = self._clock(self.end)
        for days in range(3):
            day = local.date() + timedelta(days=days)
            candidate = datetime.combine(day, end, tzinfo=self.zone).astimezone(UTC)
            if candidate > now:
                return candidate
        raise AssertionError("unreachable: a window end occurs every day")  # pragma: no cover
