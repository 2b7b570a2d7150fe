"""Run an ensemble per KPI series over daily KPI values, and name what fired.

The backtest (and, later, the worker) hands over the ``day`` window of every series
once a local day is over; each (KPI, dimension, key) series gets the ensemble of its
KPI's profile on first sight. The number of series is capped, like the KPI engine's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from detectors.base import Point, Verdict
from detectors.ensemble import Ensemble
from detectors.profiles import build, profile_of
from salespulse.kpis.values import KpiValue

SeriesKey = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class Anomaly:
    kpi: str
    dimension: str
    key: str
    window: str
    time: datetime
    observed: float
    verdict: Verdict

    def to_dict(self) -> dict[str, Any]:
        v = self.verdict
        return {
            "kpi": self.kpi,
            "dimension": self.dimension,
            "key": self.key,
            "window": self.window,
            "time": self.time.isoformat(),
            "observed": self.observed,
            "expected": v.expected,
            "low": v.low,
            "high": v.high,
            "direction": v.direction,
            "score": round(v.score, 6),
            "reason": v.reason,
        }


class SeriesMonitor:
    """One ensemble per series; ``observe`` returns the anomalies among a day's values."""

    def __init__(self, max_series: int = 20_000) -> None:
        if max_series < 1:
            raise ValueError("max_series must be at least 1")
        self.max_series = max_series
        self.ensembles: dict[SeriesKey, Ensemble] = {}
        self.dropped = 0

    def observe(self, values: Iterable[KpiValue], at: datetime) -> list[Anomaly]:
        found = []
        for value in values:
            ensemble = self._ensemble(value.series_id)
            if ensemble is None:
                continue
            verdict = ensemble.update(_point(value, at))
            if verdict.is_anomaly and value.value is not None:
                found.append(Anomaly(*value.series_id, at, value.value, verdict))
        return found

    def _ensemble(self, key: SeriesKey) -> Ensemble | None:
        ensemble = self.ensembles.get(key)
        if ensemble is None:
            if len(self.ensembles) >= self.max_series:
                self.dropped += 1
                return None
            ensemble = self.ensembles[key] = build(profile_of(key[0]))
        return ensemble


def _point(value: KpiValue, at: datetime) -> Point:
    ratio = isinstance(value.denominator, int) and isinstance(value.numerator, int)
    return Point(
        at,
        value.value,
        float(value.numerator) if ratio else None,
        float(value.denominator) if ratio and value.denominator is not None else None,
    )
