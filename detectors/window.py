"""Judge a rolling-window KPI (the ``7d`` value, once a day) against non-overlapping history.

Why this exists: a daily series of a rep's KPIs is mostly noise (a single churn on a
quiet day triples a churn rate), and a 7-day window both pools enough events and cancels
the weekly pattern. But consecutive 7-day values share six days, so a baseline learned
from them would follow an anomaly into itself. This detector learns a point only when it
is ``lag`` points old (its window no longer overlaps the judged one) and only if it was
not judged anomalous, so a week-long collapse is compared with the weeks before it.

Two modes. Values: the baseline is an exponentially weighted mean and mean absolute
deviation; a point fires outside ``mean ± max(k·1.2533·MAD, rel_floor·|mean|, min_spread)``
(the relative floor keeps a very regular series from firing on business-as-usual moves).
Counts (ratios with numerator/denominator, like win rate over 40 deals): the Beta test of
``detectors.ratio`` on the window's own counts against the baseline rate, so 1 of 3 never
fires and 2 of 40 against a 30 % baseline does.

A confirmed new level is learned: after ``accept_after`` anomalous points in a row the
held-out points are learned too, so the baseline follows a lasting change.
"""

from __future__ import annotations

import math
from collections import deque

from detectors.base import Direction, Point, Verdict, quiet
from detectors.ratio import beta_test

__all__ = ["RollingWindow"]

MAX_ABS = 1e18  # beyond any real KPI; keeps the arithmetic finite
_MAD_TO_SIGMA = 1.2533  # mean absolute deviation of a normal sample, scaled to sigma


class RollingWindow:
    """A lagged, protected baseline for a rolling-window KPI judged once per day.

    >>> from datetime import datetime, timedelta
    >>> detector = RollingWindow("revenue_7d", warmup=14)
    >>> start = datetime(2024, 1, 1)
    >>> for day in range(40):
    ...     _ = detector.update(Point(start + timedelta(days=day), 700.0 + day % 3))
    >>> detector.update(Point(start + timedelta(days=40), 690.0)).is_anomaly
    False
    >>> verdict = detector.update(Point(start + timedelta(days=41), 350.0))
    >>> verdict.is_anomaly, verdict.direction
    (True, 'drop')
    """

    def __init__(
        self,
        name: str = "rolling_window",
        lag: int = 7,
        half_life: float = 14.0,
        k: float = 4.5,
        rel_floor: float = 0.25,
        min_spread: float = 0.0,
        warmup: int = 14,
        counts: bool = False,
        confidence: float = 0.999,
        min_effect: float = 0.35,
        min_trials: float = 10.0,
        accept_after: int = 14,
        log: bool = False,
        watch: str = "both",
        min_gap: float = 3.0,
    ) -> None:
        if watch not in ("drop", "spike", "both"):
            raise ValueError(f"watch must be 'drop', 'spike' or 'both', got {watch!r}")
        if lag < 1 or warmup < 1:
            raise ValueError("lag and warmup must be >= 1")
        if accept_after <= lag:
            raise ValueError(f"accept_after must exceed lag ({lag}), got {accept_after}")
        if not (min_effect > 0 and min_gap > 0 and min_trials >= 0):
            raise ValueError("min_effect and min_gap must be > 0, min_trials >= 0")
        if not (half_life > 0 and k > 0 and rel_floor >= 0 and min_spread >= 0):
            raise ValueError("half_life and k must be > 0; rel_floor and min_spread >= 0")
        if not 0.5 < confidence < 1:
            raise ValueError(f"confidence must be in (0.5, 1), got {confidence}")
        self.name, self.lag, self.k, self.rel_floor = name, lag, k, rel_floor
        self.min_spread, self.warmup, self.counts = min_spread, warmup, counts
        self.confidence, self.min_effect, self.min_gap = confidence, min_effect, min_gap
        self.min_trials, self.accept_after, self.log = min_trials, accept_after, log
        self.watch = watch
        self._pending: deque[tuple[float, float, float, bool]] = deque()
        self._weight = 1.0 - 0.5 ** (1.0 / half_life)
        self._mean = self._mad = self._k = self._m = 0.0
        self._learned = 0
        self._streak = 0
        self._streak_dir: Direction | None = None

    def update(self, point: Point) -> Verdict:
        value = point.value
        if value is None or not math.isfinite(value):
            return quiet("no value")
        if abs(value) > MAX_ABS:
            return quiet(f"value beyond {MAX_ABS:g}")
        k, m = self._point_counts(point)
        judged = self._judge(value, k, m)
        self._track(judged, value)
        self._pending.append((value, k, m, judged.is_anomaly))
        if len(self._pending) > self.lag:
            self._learn(*self._pending.popleft())
        return self._watched(judged)

    def _watched(self, verdict: Verdict) -> Verdict:
        """A move in the unwatched (good-news) direction is not reported; it is still kept
        out of learning (a one-off big deal must not raise the bar), until confirmed."""
        if self.watch == "both" or not verdict.is_anomaly or verdict.direction == self.watch:
            return verdict
        return Verdict(0.0, False, verdict.expected, verdict.low, verdict.high, None, "")

    def _point_counts(self, point: Point) -> tuple[float, float]:
        if not self.counts or point.numerator is None or not point.denominator:
            return 0.0, 0.0
        return max(0.0, min(point.numerator, point.denominator)), point.denominator

    def _judge(self, value: float, k: float, m: float) -> Verdict:
        if self._learned < self.warmup:
            return quiet("warm-up")
        if self.counts:
            if m < self.min_trials or self._m <= 0:
                return quiet(f"fewer than {self.min_trials:g} trials")
            p0 = (self._k + 0.5) / (self._m + 1.0)
            scale = self._dispersion(p0, m)
            verdict = beta_test(
                k * scale, m * scale, p0, self.confidence, self.min_effect, self.min_gap * scale
            )
            return verdict
        return self._judge_value(value)

    def _dispersion(self, p0: float, m: float) -> float:
        """Shrink the trials to what the history's spread supports (overdispersion).

        Weekly rates of a whole company vary more than a binomial over thousands of
        trials allows (month-end churn, campaign bursts): with the lagged rates' variance
        ``v``, a window is worth at most ``p0·(1 − p0) / v`` trials.
        """
        variance = (_MAD_TO_SIGMA * self._mad) ** 2
        if variance <= 0:
            return 1.0
        return min(1.0, p0 * (1.0 - p0) / variance / m)

    def _judge_value(self, value: float) -> Verdict:
        x, mean = self._scaled(value), self._mean
        floor = self.rel_floor if not self.log else math.log1p(self.rel_floor)
        spread = max(self.k * _MAD_TO_SIGMA * self._mad, floor * (1.0 if self.log else abs(mean)))
        spread = max(spread, 1e-12)
        expected, low, high = (self._unscaled(v) for v in (mean, mean - spread, mean + spread))
        r = abs(x - mean) / spread
        if abs(value - expected) < self.min_spread:
            r = min(r, 0.99)
        direction: Direction = "drop" if x < mean else "spike"
        fires = r > 1.0
        reason = f"{value:.4g} vs {expected:.4g} (band {low:.4g}..{high:.4g}, lagged baseline)"
        return Verdict(
            score=min(1.0, 1.0 - 0.5**r),
            is_anomaly=fires,
            expected=expected,
            low=low,
            high=high,
            direction=direction if fires else None,
            reason=reason,
        )

    def _scaled(self, value: float) -> float:
        return math.copysign(math.log1p(abs(value)), value) if self.log else value

    def _unscaled(self, value: float) -> float:
        return math.copysign(math.expm1(abs(value)), value) if self.log else value

    def _track(self, verdict: Verdict, value: float) -> None:
        """Count anomalies in a row; a streak of ``accept_after`` confirms a new level.

        ``accept_after`` exceeds ``lag``: one outlier day stays in a 7-day window for 7
        days, which must not pass for a new level. On acceptance the baseline moves to the
        new level at once (the held-back points are then learned around it), so the
        spread is not inflated by the jump.
        """
        if verdict.is_anomaly and verdict.direction == self._streak_dir:
            self._streak += 1
        else:
            self._streak = 1 if verdict.is_anomaly else 0
            self._streak_dir = verdict.direction if verdict.is_anomaly else None
        if self._streak >= self.accept_after:
            self._pending = deque((v, k, m, False) for v, k, m, _ in self._pending)
            if not self.counts:
                self._mean = self._scaled(value)
            elif self._m > 0 and verdict.expected is not None:
                rate = sum(k for _, k, _, _ in self._pending) / max(
                    sum(m for _, _, m, _ in self._pending), 1e-12
                )
                self._k = rate * self._m
            self._streak, self._streak_dir = 0, None

    def _learn(self, value: float, k: float, m: float, anomalous: bool) -> None:
        """Exponentially weighted, with 1/n weights at first (no bias towards the first point).

        Deviations are clipped at 3 spreads once warm, so a ramp (a new business, a
        backfill) moves the baseline without inflating its spread for weeks.
        """
        if anomalous:
            return
        x = value if self.counts else self._scaled(value)
        self._learned += 1
        w = max(self._weight, 1.0 / self._learned)
        self._mean += w * (x - self._mean)
        if self._learned <= self.lag:
            return  # burn-in: the first week sets the level, not the spread
        floor = math.log1p(self.rel_floor) if self.log else self.rel_floor * abs(self._mean)
        deviation = min(abs(x - self._mean), 3.0 * max(self._mad, floor / self.k))
        self._mad += max(w, 1.0 / (self._learned - self.lag)) * (deviation - self._mad)
        self._k += w * (k - self._k)
        self._m += w * (m - self._m)
