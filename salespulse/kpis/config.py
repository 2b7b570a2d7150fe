"""Parameters of the KPI engine (the ``kpi`` section of the settings)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class KpiConfig:
    timezone: str = "Europe/Minsk"
    week_start: str = "monday"
    grace_seconds: float = 6 * 3600
    retention_days: int = 200
    max_series_per_dimension: int = 5000

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # raises for an unknown zone
        if self.week_start not in WEEKDAYS:
            raise ValueError(f"week_start must be one of {', '.join(WEEKDAYS)}")
        if self.grace_seconds < 0:
            raise ValueError("grace_seconds must not be negative")
        if self.retention_days < 120:
            raise ValueError("retention_days must be at least 120 (previous quarter)")
        if self.max_series_per_dimension < 1:
            raise ValueError("max_series_per_dimension must be at least 1")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def week_start_index(self) -> int:
        return WEEKDAYS.index(self.week_start)
