"""Fixed business rules from the KPI catalogue: a threshold and a negative-growth streak.

Rules learn nothing (a streak counter at most), so they judge from the first point. Their
score is 0 when the rule holds and at least 0.5 when it is broken, growing with how far
(or how long) it is broken, so ``score >= 0.5`` means the same thing as for the learning
detectors.
"""

from __future__ import annotations

import math

from detectors.base import Detector, Direction, Point, Verdict, quiet

__all__ = ["NegativeStreak", "ThresholdRule", "catalogue"]


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


class ThresholdRule:
    """Fires when the value is below ``below`` or above ``above`` (a band when both are given).

    The score is ``1 - 0.5 ** (1 + 2 * d)`` where ``d`` is the distance beyond the crossed
    threshold relative to that threshold (to 1 when the threshold is 0): 0.5 right at the
    line, 0.75 at 50 % beyond it. With ``min_denominator`` a ratio is judged only when its
    denominator is at least that (a point without a denominator is then not judged), so
    "0 won of 1 deal" does not break a win-rate rule.

    >>> from datetime import datetime
    >>> from detectors.base import Point
    >>> rule = ThresholdRule("win_rate_below_15pct", below=0.15, min_denominator=10)
    >>> day = datetime(2024, 3, 4)
    >>> rule.update(Point(day, 0.0, numerator=0, denominator=1)).is_anomaly
    False
    >>> verdict = rule.update(Point(day, 0.10, numerator=2, denominator=20))
    >>> verdict.is_anomaly, verdict.direction, round(verdict.score, 3)
    (True, 'drop', 0.685)
    >>> rule.update(Point(day, 0.25, numerator=5, denominator=20)).score
    0.0
    """

    def __init__(
        self,
        name: str,
        below: float | None = None,
        above: float | None = None,
        min_denominator: float = 0.0,
    ) -> None:
        if not name:
            raise ValueError("name must be a non-empty string")
        if below is None and above is None:
            raise ValueError("give below, above or both")
        for bound in (below, above, min_denominator):
            if bound is not None and not math.isfinite(bound):
                raise ValueError(f"thresholds must be finite, got {bound}")
        if below is not None and above is not None and below >= above:
            raise ValueError(f"below ({below}) must be smaller than above ({above})")
        if min_denominator < 0:
            raise ValueError(f"min_denominator must be >= 0, got {min_denominator}")
        self.name = name
        self.below = below
        self.above = above
        self.min_denominator = min_denominator

    def update(self, point: Point) -> Verdict:
        value = _finite(point.value)
        if value is None:
            return quiet("missing value")
        if self.min_denominator > 0:
            denominator = _finite(point.denominator)
            if denominator is None or denominator < self.min_denominator:
                return quiet(f"denominator below {self.min_denominator:g}")
        if self.below is not None and value < self.below:
            return self._fire(value, self.below, "drop")
        if self.above is not None and value > self.above:
            return self._fire(value, self.above, "spike")
        return Verdict(0.0, False, low=self.below, high=self.above, reason="inside thresholds")

    def _fire(self, value: float, bound: float, direction: Direction) -> Verdict:
        distance = abs(value - bound) / (abs(bound) or 1.0)
        score = 1.0 - 0.5 ** (1.0 + 2.0 * distance)
        side = "below" if direction == "drop" else "above"
        return Verdict(
            score=score,
            is_anomaly=True,
            low=self.below,
            high=self.above,
            direction=direction,
            reason=f"{value:.4g} {side} {bound:.4g}",
        )


class NegativeStreak:
    """Fires when the value (a growth rate) has been negative ``periods`` points in a row.

    Feed it one point per period (for example the ``mtd`` growth once a month, or the
    ``7d`` growth once a week): consecutive points of an overlapping window are not
    independent periods. A missing value neither extends nor breaks the streak; zero or
    positive growth breaks it. Score: ``1 - 0.5 ** (streak / periods)``.

    >>> from datetime import datetime, timedelta
    >>> from detectors.base import Point
    >>> rule = NegativeStreak(periods=3)
    >>> start = datetime(2024, 1, 1)
    >>> growth = [0.05, -0.02, -0.01, -0.04, 0.01]
    >>> [rule.update(Point(start + timedelta(weeks=i), g)).is_anomaly
    ...  for i, g in enumerate(growth)]
    [False, False, False, True, False]
    """

    def __init__(self, periods: int = 3, name: str = "negative_growth") -> None:
        if isinstance(periods, bool) or not isinstance(periods, int) or periods < 1:
            raise ValueError(f"periods must be an integer >= 1, got {periods!r}")
        if not name:
            raise ValueError("name must be a non-empty string")
        self.name = name
        self.periods = periods
        self._streak = 0

    def update(self, point: Point) -> Verdict:
        value = _finite(point.value)
        if value is None:
            return quiet("missing value")
        self._streak = self._streak + 1 if value < 0 else 0
        score = 1.0 - 0.5 ** (self._streak / self.periods)
        if self._streak < self.periods:
            return Verdict(score, False, high=0.0, reason=f"{self._streak} negative in a row")
        return Verdict(
            score=score,
            is_anomaly=True,
            high=0.0,
            direction="drop",
            reason=f"growth negative {self._streak} periods in a row",
        )


def catalogue(
    lead_conversion_band: tuple[float, float],
    growth_periods: int = 3,
    min_denominator: float = 10.0,
) -> dict[str, Detector]:
    """The catalogue's rules, keyed by the KPI id they judge (see docs/kpis.md).

    ``min_denominator`` applies to the count-based ratios (deals for ``win_rate``, leads
    for ``lead_conversion``); ``ltv_cac`` and ``cac_payback_months`` have money
    denominators and are judged whenever they have a value.
    """
    low, high = lead_conversion_band
    return {
        "win_rate": ThresholdRule(
            "win_rate_below_15pct", below=0.15, min_denominator=min_denominator
        ),
        "ltv_cac": ThresholdRule("ltv_cac_below_3", below=3.0),
        "cac_payback_months": ThresholdRule("cac_payback_above_12_months", above=12.0),
        "lead_conversion": ThresholdRule(
            "lead_conversion_outside_band", below=low, above=high, min_denominator=min_denominator
        ),
        "sales_growth": NegativeStreak(growth_periods, name="sales_growth_negative"),
    }
