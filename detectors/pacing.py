"""Plan pacing: will this month (or quarter) end short of its target?

A month's revenue does not accrue evenly: weekends sell little and the last days carry
a push. Comparing attainment with the calendar share of the month elapsed would cry
wolf every first week and miss a shortfall until too late. The expected share of the
period done by a given day starts as the share of *business* days (weekend days weigh
``weekend_weight``) and, after each completed period, is blended with the shape this
series really had (attainment at each tenth of the period over the final attainment),
so a month-end push learned from history stops looking like a shortfall.

Nothing fires before one complete period has been seen (cold start). The projected
period end is ``attainment / expected_share``; a point fires when it is
below ``1 − margin`` after ``min_elapsed`` of the period. Score ``1 − 0.5 ** r`` with
``r = shortfall / margin`` (0.5 at the margin).
"""

from __future__ import annotations

from datetime import date, timedelta

from detectors.base import Point, Verdict, quiet

__all__ = ["PlanPacing", "period_bounds"]

BINS = 10
CRITICAL_SCORE = 0.85  # a shortfall beyond critical_margin scores at least this (critical)


def period_bounds(window: str, as_of: date) -> tuple[date, date] | None:
    """First and last day of the ``mtd`` month or ``qtd`` quarter containing ``as_of``."""
    if window == "mtd":
        start = as_of.replace(day=1)
    elif window == "qtd":
        start = date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    else:
        return None
    months = 1 if window == "mtd" else 3
    year, month = divmod(start.month - 1 + months, 12)
    return start, date(start.year + year, month + 1, 1) - timedelta(days=1)


class PlanPacing:
    """One plan series (``plan_attainment`` of one team for ``mtd``), judged once a day.

    >>> from datetime import date
    >>> pacing = PlanPacing("mtd")
    >>> for day in range(1, 29):  # a February on plan: the warm-up period
    ...     _ = pacing.judge(day / 28, date(2026, 2, day))
    >>> pacing.judge(0.45, date(2026, 3, 16)).is_anomaly  # about half the month
    False
    >>> verdict = pacing.judge(0.25, date(2026, 3, 16))
    >>> verdict.is_anomaly, verdict.direction
    (True, 'drop')
    """

    name = "plan_pacing"

    def __init__(
        self,
        window: str = "mtd",
        margin: float = 0.15,
        critical_margin: float = 0.3,
        min_elapsed: float = 0.3,
        weekend_weight: float = 0.2,
        learn_rate: float = 0.5,
    ) -> None:
        if not (0 < margin < 1 and 0 < critical_margin < 1 and 0 <= min_elapsed < 1):
            raise ValueError("margin and critical_margin must be in (0, 1), min_elapsed in [0, 1)")
        if critical_margin <= margin:
            raise ValueError(f"critical_margin ({critical_margin}) must exceed margin ({margin})")
        if not (0 <= weekend_weight <= 1 and 0 < learn_rate <= 1):
            raise ValueError("weekend_weight must be in [0, 1] and learn_rate in (0, 1]")
        if window not in ("mtd", "qtd"):
            raise ValueError(f"window must be 'mtd' or 'qtd', got {window!r}")
        self.window = window
        self.margin, self.critical_margin, self.min_elapsed = margin, critical_margin, min_elapsed
        self.weekend_weight, self.learn_rate = weekend_weight, learn_rate
        self.shape: list[float] | None = None  # learned share done at each tenth of a period
        self.periods = 0  # complete periods learned: the learned shape's weight grows with it
        self._period: tuple[date, date] | None = None
        self._from_start = False  # a period first seen mid-way is not learned as complete
        self._trace: list[float] = [0.0] * BINS
        self._last = 0.0

    def update(self, point: Point) -> Verdict:
        """The ``Detector`` interface: ``point.time`` falls on the judged local day."""
        return self.judge(point.value, point.time.date())

    def judge(self, attainment: float | None, as_of: date) -> Verdict:
        bounds = period_bounds(self.window, as_of)
        if bounds is None or attainment is None:
            return quiet("no plan period")
        self._roll(bounds)
        share = self.expected_share(bounds, as_of)
        elapsed = ((as_of - bounds[0]).days + 1) / ((bounds[1] - bounds[0]).days + 1)
        if (as_of - bounds[0]).days * BINS < (bounds[1] - bounds[0]).days + 1:
            self._from_start = True  # seen within the first tenth of the period
        self._trace[min(BINS - 1, int(elapsed * BINS))] = attainment
        self._last = attainment
        if self.shape is None:
            return quiet("warm-up: no complete period seen yet", expected=share)
        if elapsed < self.min_elapsed or share <= 0:
            return quiet("too early in the period", expected=share)
        projected = attainment / share
        shortfall = 1.0 - projected
        fires = shortfall > self.margin
        r = min(max(shortfall, 0.0) / self.margin, 60.0)
        score = 1.0 - 0.5**r
        if shortfall >= self.critical_margin:
            score = max(score, CRITICAL_SCORE)
        reason = (
            f"projected {projected:.0%} of plan at period end "
            f"({attainment:.0%} done, {share:.0%} expected by now)"
        )
        return Verdict(
            score=score,
            is_anomaly=fires,
            expected=share,
            low=share * (1.0 - self.margin),
            high=None,
            direction="drop" if fires else None,
            reason=reason,
        )

    def expected_share(self, bounds: tuple[date, date], as_of: date) -> float:
        """Share of the period's result expected by the end of ``as_of``."""
        start, end = bounds
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        weights = [1.0 if d.weekday() < 5 else self.weekend_weight for d in days]
        done = sum(w for d, w in zip(days, weights, strict=True) if d <= as_of)
        share = done / sum(weights)
        if self.shape is None:
            return share
        position = ((as_of - start).days + 1) / len(days) * BINS
        low = int(min(position, BINS - 1e-9))
        before = self.shape[low - 1] if low else 0.0
        learned = before + (self.shape[low] - before) * (position - low)
        weight = self.periods / (self.periods + 1.0)  # 1/2 after one period, 4/5 after four
        return (1.0 - weight) * share + weight * learned

    def _roll(self, bounds: tuple[date, date]) -> None:
        """A new period: learn the finished one's shape (when it reached anything)."""
        if bounds == self._period:
            return
        if self._period is not None and self._last > 0 and self._from_start:
            seen = [t / self._last for t in self._trace]
            for i in range(1, BINS):  # fill tenths without a value from the one before
                seen[i] = seen[i] or seen[i - 1]
            old = self.shape or seen
            self.shape = [o + self.learn_rate * (s - o) for o, s in zip(old, seen, strict=True)]
            self.periods += 1
        self._period, self._trace, self._last = bounds, [0.0] * BINS, 0.0
        self._from_start = False
