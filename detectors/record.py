"""The anomaly record on ``sales.anomalies``: the contract between detectors and alerting.

One record per judged point of a series whose state matters to a human: ``firing``
when the ensemble says anomalous, ``resolved`` once when a firing series is judged
normal again. The fingerprint names the series and the direction only (KPI, dimension,
key, window, direction), so every day of one incident carries the same fingerprint and
alerting can deduplicate, group and resolve by it; ``first_seen`` stays the incident's
first day while ``last_seen`` moves.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["info", "warning", "critical"]
Status = Literal["firing", "resolved"]
Unit = Literal["count", "money", "ratio", "days", "months", "score", "number"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DetectorFinding(_Frozen):
    """One member of the ensemble that fired, with its own score and reason."""

    name: str
    score: float = Field(ge=0.0, le=1.0)
    reason: str


class MoneyImpact(_Frozen):
    """observed − expected, in the currency of the events (KPIs in money only)."""

    amount: Decimal
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class Contribution(_Frozen):
    """A child series (a rep of the team, a region of the company) and its share of the change."""

    dimension: str
    key: str
    observed: float
    expected: float
    delta: float
    share: float = Field(description="delta / parent delta; the shares of the top children")


class AnomalyRecord(_Frozen):
    """What alerting consumes; JSON on ``sales.anomalies`` keyed by ``fingerprint``."""

    fingerprint: str = Field(pattern=r"^[0-9a-f]{16}$")
    status: Status
    kpi: str
    dimension: str
    key: str
    window: str
    as_of: date
    unit: Unit
    observed: float | None
    expected: float | None
    low: float | None
    high: float | None
    direction: Literal["drop", "spike"]
    severity: Severity
    score: float = Field(ge=0.0, le=1.0)
    detectors: tuple[DetectorFinding, ...] = ()
    money_impact: MoneyImpact | None = None
    drilldown: tuple[Contribution, ...] = ()
    labels: dict[str, str] = Field(
        default_factory=dict,
        description="kpi, dimension, key, window, severity and the parents (team, region)",
    )
    first_seen: datetime
    last_seen: datetime


def fingerprint(kpi: str, dimension: str, key: str, window: str, direction: str) -> str:
    """Stable across days and restarts: a hash of the series and the direction of the move."""
    text = "\x1f".join((kpi, dimension, key, window, direction))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
