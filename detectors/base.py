"""The one interface every detector implements, shaped like river's estimators.

A detector owns the state of one KPI series. ``update`` judges a point against what
was learned *before* it, then learns from it (unless the point is kept out of
learning as an anomaly), so it is called exactly once per point: live, in a
backtest and in tests alike. State must pickle small (a few hundred bytes to a few
KB per series): there is one detector per series, and there are thousands of series.
"""

from __future__ import annotations

import math
import pickle
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

Direction = Literal["drop", "spike"]


@dataclass(frozen=True, slots=True)
class Point:
    """One observation of a KPI series; ratios also carry their numerator and denominator."""

    time: datetime
    value: float | None
    numerator: float | None = None
    denominator: float | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a detector says of one point. ``score`` is in [0, 1]; 1 is surely anomalous."""

    score: float
    is_anomaly: bool
    expected: float | None = None
    low: float | None = None
    high: float | None = None
    direction: Direction | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if not (0.0 <= self.score <= 1.0) or math.isnan(self.score):
            raise ValueError(f"score must be in [0, 1], got {self.score}")


def quiet(reason: str, expected: float | None = None) -> Verdict:
    """A non-anomalous verdict (warm-up, missing value, inside the band)."""
    return Verdict(score=0.0, is_anomaly=False, expected=expected, reason=reason)


@runtime_checkable
class Detector(Protocol):
    """Judge, then learn: ``update`` is called once per point of one series."""

    name: str

    def update(self, point: Point) -> Verdict: ...


def state_bytes(detector: Detector) -> int:
    """Pickled size of a detector's state: what one series costs in memory and changelog."""
    return len(pickle.dumps(detector))
