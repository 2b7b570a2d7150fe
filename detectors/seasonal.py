"""Day-of-week aware robust baseline (median and MAD per weekday) for counts and money."""

from __future__ import annotations

import math
from dataclasses import replace

from detectors.base import Direction, Point, Verdict, quiet

__all__ = ["SeasonalBaseline"]

_MAD_TO_SIGMA = 1.4826  # MAD of a normal sample, scaled to its standard deviation
_MEAN_AD_TO_SIGMA = 1.2533  # mean absolute deviation, scaled likewise (used when MAD is 0)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return ordered[middle - 1] / 2 + ordered[middle] / 2  # halves first: no overflow


class SeasonalBaseline:
    """Median ± k·spread of the same slot (weekday) over the last ``history`` seasons.

    The slot of a point is its calendar day's ordinal modulo ``season`` (with ``season=7``,
    the weekday), so missing days do not shift the weekly pattern; feed one point per
    local day. ``expected`` is the slot's median, ``spread`` is
    ``max(1.4826·MAD, rel_floor·|median|, min_spread)``, where MAD is the larger of the
    slot's MAD and the relative MAD pooled over all slots times ``|median|`` (the mean
    absolute deviation stands in when more than half the slot is one value), widened by
    ``sqrt(1 + 1.57/n)`` for the median's own error; the point fires outside
    ``expected ± k·spread``. Score: ``1 − 0.5 ** (|z| / k)`` for the robust z, so 0.5 at the
    band's edge. Warm-up: a slot judges nothing until it holds ``warmup_seasons`` values.

    With ``protect`` an anomalous point is not learned, unless ``accept_after`` anomalies
    in a row go the same way: then the new level is accepted by rescaling every slot's
    history by the streak's median ratio to expected (or shifting it by the median
    difference when values are not all positive), keeping the weekly shape.
    For sparse counts (mostly 0) set ``min_spread`` to about 1.

    >>> import random
    >>> from datetime import date, datetime, timedelta
    >>> from detectors.base import Point
    >>> rng = random.Random(3)
    >>> weekly = [1.0, 1.1, 1.05, 1.0, 1.2, 0.6, 0.4]  # Monday .. Sunday
    >>> detector = SeasonalBaseline(name="revenue")
    >>> start = datetime(2024, 1, 1)  # a Monday
    >>> for day in range(56):
    ...     value = 1000 * weekly[day % 7] * rng.gauss(1, 0.03)
    ...     verdict = detector.update(Point(start + timedelta(days=day), value))
    >>> saturday = start + timedelta(days=61)
    >>> round(detector.update(Point(saturday, 610.0)).expected)
    612
    >>> outage = detector.update(Point(saturday + timedelta(days=1), 120.0))
    >>> outage.is_anomaly, outage.direction, round(outage.score, 2)
    (True, 'drop', 0.99)
    """

    def __init__(
        self,
        season: int = 7,
        history: int = 8,
        k: float = 4.0,
        warmup_seasons: int = 2,
        protect: bool = True,
        accept_after: int = 3,
        rel_floor: float = 0.01,
        min_spread: float = 1e-6,
        name: str = "seasonal",
    ) -> None:
        if season < 1 or history < 2:
            raise ValueError(f"need season >= 1 and history >= 2, got {season}, {history}")
        if not 1 <= warmup_seasons <= history:
            raise ValueError(f"warmup_seasons must be in [1, history], got {warmup_seasons}")
        if not (k > 0 and math.isfinite(k)):
            raise ValueError(f"k must be a positive number, got {k}")
        if accept_after < 1:
            raise ValueError(f"accept_after must be >= 1, got {accept_after}")
        if not (rel_floor >= 0 and min_spread > 0 and math.isfinite(rel_floor + min_spread)):
            raise ValueError("rel_floor must be >= 0 and min_spread > 0")
        if not name:
            raise ValueError("name must be a non-empty string")
        self.name, self.season, self.history, self.k = name, season, history, k
        self.warmup_seasons, self.protect, self.accept_after = warmup_seasons, protect, accept_after
        self.rel_floor, self.min_spread = rel_floor, min_spread
        self._mature = max(warmup_seasons, history // 2)
        self._slots: list[list[float]] = [[] for _ in range(season)]
        self._pending: list[tuple[int, float, float]] = []  # (slot, value, expected)
        self._streak_dir: Direction | None = None

    def update(self, point: Point) -> Verdict:
        value = None if point.value is None else float(point.value)
        if value is None or not math.isfinite(value):
            return quiet("missing value")
        slot = point.time.toordinal() % self.season
        if len(self._slots[slot]) < self.warmup_seasons:
            self._learn(slot, value)
            return quiet("warm-up")
        verdict = self._judge(self._slots[slot], value)
        if not verdict.is_anomaly or not self._protects(slot):
            self._pending, self._streak_dir = [], None
            self._learn(slot, value)
        elif self._hold(slot, value, verdict):
            verdict = replace(verdict, reason=verdict.reason + "; new level accepted")
        return verdict

    def _spread(self, values: list[float], centre: float) -> float:
        """Slot MAD, or the series' pooled relative MAD when larger, as a sigma.

        Pooling over all slots keeps a few quiet weeks (or protected points) from
        shrinking one weekday's band; the last factor widens it for the median's own
        error with few values (var(median) ~ pi/2 sigma^2 / n).
        """
        deviations = [abs(x - centre) for x in values]
        mad = _median(deviations)
        if mad > 0:
            robust = _MAD_TO_SIGMA * mad
        else:
            n = len(values)  # divide first: fsum of deviations near 1e308 overflows
            robust = _MEAN_AD_TO_SIGMA * sum(d / n for d in deviations)
        robust = max(robust, _MAD_TO_SIGMA * self._pooled_relative_mad() * abs(centre))
        robust *= math.sqrt(1.0 + 1.57 / len(values))
        return max(robust, self.rel_floor * abs(centre), self.min_spread)

    def _pooled_relative_mad(self) -> float:
        ratios: list[float] = []
        for values in self._slots:
            centre = _median(values) if len(values) >= 2 else 0.0
            if centre != 0:  # n / (n - 0.8): small-sample bias of the MAD (Croux-Rousseeuw)
                bias = len(values) / (len(values) - 0.8)
                ratios.extend(bias * abs(x / centre - 1.0) for x in values)
        return _median(ratios) if ratios else 0.0

    def _judge(self, values: list[float], value: float) -> Verdict:
        expected = _median(values)
        spread = self._spread(values, expected)
        diff = value - expected
        z = diff / spread
        if not math.isfinite(z):
            z = math.copysign(math.inf, diff)
        fires = abs(z) > self.k
        direction: Direction = "drop" if z < 0 else "spike"
        return Verdict(
            score=1.0 - 0.5 ** (abs(z) / self.k),
            is_anomaly=fires,
            expected=expected,
            low=expected - self.k * spread,
            high=expected + self.k * spread,
            direction=direction if fires else None,
            reason=f"robust z {z:.3g} (k {self.k:g})",
        )

    def _protects(self, slot: int) -> bool:
        """Protect only a mature slot: an immature one would freeze on its first values."""
        return self.protect and len(self._slots[slot]) >= self._mature

    def _hold(self, slot: int, value: float, verdict: Verdict) -> bool:
        """Keep an anomalous point out; True when the streak confirms a new level."""
        if verdict.direction != self._streak_dir:
            self._pending = []
        self._streak_dir = verdict.direction
        self._pending.append((slot, value, verdict.expected or 0.0))
        if len(self._pending) < self.accept_after:
            return False
        self._accept()
        return True

    def _accept(self) -> None:
        values = [value for _, value, _ in self._pending]
        expected = [centre for _, _, centre in self._pending]
        if all(e > 0 for e in expected) and all(v >= 0 for v in values):
            factor = _median([v / e for v, e in zip(values, expected, strict=True)])
            shifted = [[x * factor for x in slot] for slot in self._slots]
        else:
            offset = _median([v - e for v, e in zip(values, expected, strict=True)])
            shifted = [[x + offset for x in slot] for slot in self._slots]
        finite = all(math.isfinite(x) for slot in shifted for x in slot)
        self._slots = shifted if finite else [[] for _ in range(self.season)]
        for slot, value, _ in self._pending:
            self._learn(slot, value)
        self._pending, self._streak_dir = [], None

    def _learn(self, slot: int, value: float) -> None:
        values = self._slots[slot]
        values.append(value)
        if len(values) > self.history:
            del values[0]
