"""What to simulate: seed, period, volume and which anomalies to inject.

Validation happens here, once, so the engine can trust its inputs and the CLI can
turn a ``ValueError`` into a usage error that names the bad option.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class AnomalyKind(StrEnum):
    WIN_RATE_COLLAPSE = "win_rate_collapse"
    CHURN_SPIKE = "churn_spike"
    SPEND_WITHOUT_LEADS = "spend_without_leads"
    PIPELINE_DROP = "pipeline_drop"
    CYCLE_LENGTHENING = "cycle_lengthening"
    REVENUE_BEHIND_PLAN = "revenue_behind_plan"


#: Customers on the books when the period starts, at scale 1 (about a year of growth).
OPENING_CUSTOMERS = 12_000
MAX_DAYS = 3660
MAX_SCALE = 100.0


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    """Inputs of one run; equal configs give byte-identical event streams."""

    seed: int = 1
    days: int = 30
    start: date = date(2026, 1, 1)
    scale: float = 1.0
    anomalies: tuple[AnomalyKind, ...] = ()
    opening_customers: int | None = field(default=None)

    def __post_init__(self) -> None:
        if not 1 <= self.days <= MAX_DAYS:
            raise ValueError(f"days must be between 1 and {MAX_DAYS}, got {self.days}")
        if not 0 < self.scale <= MAX_SCALE:
            raise ValueError(f"scale must be in (0, {MAX_SCALE}], got {self.scale}")
        if self.opening_customers is not None and self.opening_customers < 0:
            raise ValueError("opening_customers must not be negative")
        if len(set(self.anomalies)) != len(self.anomalies):
            raise ValueError("an anomaly kind is listed twice")

    @property
    def opening_book(self) -> int:
        """Opening customers: explicit, or proportional to the lead volume."""
        if self.opening_customers is not None:
            return self.opening_customers
        return round(OPENING_CUSTOMERS * self.scale)


def parse_anomalies(text: str | None) -> tuple[AnomalyKind, ...]:
    """``"a,b"`` or ``"all"`` to kinds, in catalogue order; unknown names are an error."""
    if not text or not text.strip():
        return ()
    names = [part.strip() for part in text.split(",") if part.strip()]
    if "all" in names:
        return tuple(AnomalyKind)
    known = {kind.value for kind in AnomalyKind}
    unknown = [name for name in names if name not in known]
    if unknown:
        choices = ", ".join(sorted(known))
        raise ValueError(f"unknown anomaly kind {unknown[0]!r}; choose from: {choices}, all")
    wanted = set(names)
    return tuple(kind for kind in AnomalyKind if kind.value in wanted)
