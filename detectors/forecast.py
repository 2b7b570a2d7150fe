"""Forecast band: a river Holt-Winters forecast of the next value, ± k robust error scales.

This is ``river.anomaly.PredictiveAnomalyDetection``'s idea (forecast, compare, score)
written around ``river.time_series.HoltWinters`` rather than used as is, because PAD
keeps a never-forgetting mean/variance of *squared* errors (no band in value units,
no adaptation) and always learns the observed value (no protection). Two further
departures from river's HoltWinters, both in ``_seed``: river seeds additive seasonal
indices as ratios ``y / level`` and divides by zero when the first season averages 0,
so the components are seeded here from the warm-up buffer (level = mean, trend = 0,
season = deviations from the mean). The model is positional: one point per period.
"""

from __future__ import annotations

import math

from river import stats, time_series

from detectors.base import Direction, Point, Verdict, quiet

__all__ = ["ForecastBand"]

_MAE_TO_SIGMA = math.sqrt(math.pi / 2)  # sigma of a normal error from its mean |error|


def _seed(model: time_series.HoltWinters, first: list[float]) -> None:
    """Initialise level, trend and seasonal indices from one full season of values."""
    mean = sum(first) / len(first)
    model.level.append(mean)
    model.trend.append(0.0)  # a week of weekly-seasonal data says nothing about the trend
    if model.multiplicative:
        model.season.extend(v / mean for v in first)
    else:
        model.season.extend(v - mean for v in first)
    model._initialized = True


class ForecastBand:
    """Flag a value outside ``forecast ± k·scale`` of a seasonal Holt-Winters model.

    ``scale`` is an exponentially weighted mean of |one-step error| converted to a
    sigma, floored at ``min_scale`` and ``rel_floor·|forecast|``. A point outside the
    band is kept out of learning (the model learns its own forecast instead) unless it
    is the ``accept_after``-th consecutive one on the same side: then the level jumps
    by the mean error of that run and observed values are learned again (a new level).

    Parameters
    ----------
    season
        Points per season (7 for daily KPIs with a weekly pattern; 0 for none).
    warmup
        Points learned before any verdict; at least ``max(season, 2) + 1``.
    k
        Band half-width in error sigmas.
    alpha, beta, gamma
        Holt-Winters smoothing of level, trend and seasonal indices.
    fading
        Fading factor of the error scale (closer to 1 adapts faster).
    accept_after
        Consecutive same-side anomalies after which the new level is accepted (0: never).
    multiplicative
        Multiplicative seasonality; non-positive values are then judged but not learned.
    min_scale, rel_floor
        Absolute and relative floors of the scale, so a flat series does not fire on noise.

    Examples
    --------
    >>> import random
    >>> from datetime import datetime, timedelta
    >>> rng = random.Random(7)
    >>> det = ForecastBand()
    >>> t0 = datetime(2024, 1, 1)
    >>> pattern = [1.0, 1.1, 1.2, 1.1, 1.3, 0.6, 0.5]
    >>> fired = []
    >>> for i in range(70):
    ...     level = 100.0 if i < 60 else 40.0
    ...     v = level * pattern[i % 7] * rng.gauss(1.0, 0.03)
    ...     verdict = det.update(Point(t0 + timedelta(days=i), v))
    ...     if verdict.is_anomaly:
    ...         fired.append((i, verdict.direction))
    >>> fired[0]
    (60, 'drop')
    """

    name = "forecast_band"

    def __init__(
        self,
        season: int = 7,
        warmup: int = 21,
        k: float = 4.0,
        alpha: float = 0.2,
        beta: float = 0.01,
        gamma: float = 0.15,
        fading: float = 0.05,
        accept_after: int = 3,
        settle: int | None = None,
        multiplicative: bool = False,
        min_scale: float = 1e-6,
        rel_floor: float = 0.01,
    ) -> None:
        if season < 0 or season == 1:
            raise ValueError(f"season must be 0 or >= 2, got {season}")
        if warmup < max(season, 2) + 1:
            raise ValueError(f"warmup must be >= max(season, 2) + 1, got {warmup}")
        if k <= 0:
            raise ValueError(f"k must be > 0, got {k}")
        for label, value in (("alpha", alpha), ("beta", beta), ("gamma", gamma)):
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{label} must be in (0, 1], got {value}")
        if not 0.0 < fading <= 1.0:
            raise ValueError(f"fading must be in (0, 1], got {fading}")
        if accept_after < 0:
            raise ValueError(f"accept_after must be >= 0, got {accept_after}")
        if settle is not None and settle < 0:
            raise ValueError(f"settle must be >= 0, got {settle}")
        if min_scale <= 0 or rel_floor < 0:
            raise ValueError("min_scale must be > 0 and rel_floor >= 0")
        self.season, self.warmup, self.k = season, warmup, k
        self.accept_after, self.multiplicative = accept_after, multiplicative
        self.settle = max(season, 1) if settle is None else settle
        self.min_scale, self.rel_floor = min_scale, rel_floor
        self.model = time_series.HoltWinters(
            alpha, beta, gamma, seasonality=season, multiplicative=multiplicative
        )
        self.abs_error = stats.EWMean(fading)
        self.n = 0
        self._first: list[float] = []
        self._run = 0  # signed: +n after n spikes in a row, -n after n drops
        self._run_error = 0.0
        self._settle = 0  # points left during which everything is learned, after a new level

    def update(self, point: Point) -> Verdict:
        """Judge ``point`` against the forecast made before it, then learn from it."""
        value = point.value
        if value is None or not math.isfinite(value):
            if self.model.level:
                self.model.learn_one(self._forecast())  # keep the season aligned
            return quiet("missing value")
        if self.multiplicative and value <= 0:
            return quiet("non-positive value: multiplicative model cannot learn it")
        if not self.model.level:
            self._first.append(value)
            if len(self._first) >= max(self.season, 2):
                _seed(self.model, self._first)
                self._first = []
            self.n += 1
            return quiet("warm-up")
        return self._judge_and_learn(value)

    def _forecast(self) -> float:
        return float(self.model.forecast(1)[0])

    def _scale(self, expected: float) -> float:
        floor = max(self.min_scale, self.rel_floor * abs(expected))
        unit = abs(expected) if self.multiplicative else 1.0
        return max(floor, _MAE_TO_SIGMA * self.abs_error.get() * unit)

    def _learn_error(self, error: float, expected: float) -> None:
        if self.multiplicative:
            error /= max(abs(expected), self.min_scale)
        self.abs_error.update(abs(error))

    def _judge_and_learn(self, value: float) -> Verdict:
        expected = self._forecast()
        error = value - expected
        self.n += 1
        if self.n <= self.warmup:
            self._learn_error(error, expected)
            self.model.learn_one(value)
            return quiet("warm-up", expected)
        scale = self._scale(expected)
        z = abs(error) / scale
        score = z * z / (z * z + self.k**2)
        low, high = expected - self.k * scale, expected + self.k * scale
        if z <= self.k or self._settle:
            self._settle = max(0, self._settle - 1)
            self._run, self._run_error = 0, 0.0
            self._learn_error(error, expected)
            self.model.learn_one(value)
            reason = "settling on a new level" if z > self.k else ""
            return Verdict(score, z > self.k, expected, low, high, _side(error, z > self.k), reason)
        reason = self._protect_or_accept(value, error, expected)
        return Verdict(score, True, expected, low, high, _side(error, True), reason)

    def _protect_or_accept(self, value: float, error: float, expected: float) -> str:
        step = 1 if error > 0 else -1
        if self.multiplicative and self.season:
            error /= self.model.season[-self.season]  # in level units, not value units
        same_side = self._run * step > 0
        self._run = self._run + step if same_side else step
        self._run_error = self._run_error + error if same_side else error
        if self.accept_after and abs(self._run) >= self.accept_after:
            self.model.level[-1] += self._run_error / abs(self._run)
            self.model.learn_one(value)
            self._run, self._run_error = 0, 0.0
            self._settle = self.settle
            return f"outside forecast band; new level accepted after {self.accept_after} in a row"
        self.model.learn_one(expected)
        return "outside forecast band; kept out of learning"


def _side(error: float, anomalous: bool) -> Direction | None:
    if not anomalous:
        return None
    return "spike" if error > 0 else "drop"
