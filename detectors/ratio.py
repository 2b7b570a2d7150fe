"""Small-sample-aware ratio detector: a decayed baseline and a Beta posterior test."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Literal

from scipy.special import betainc, betaincinv

from detectors.base import Direction, Point, Verdict, quiet

__all__ = ["BetaRatio"]

Watch = Literal["drop", "spike", "both"]


def _counts(point: Point) -> tuple[float, float] | None:
    """(successes, trials) of a point, or None when they are missing or not counts."""
    if point.numerator is None or point.denominator is None:
        return None
    k, m = float(point.numerator), float(point.denominator)
    if not (math.isfinite(k) and math.isfinite(m)) or m <= 0 or k < 0:
        return None
    return min(k, m), m


def _logit(p: float, rest: float) -> float:
    """log(p / rest) where ``rest = 1 - p`` was computed on its own (no cancellation)."""
    if rest <= 0:
        return math.inf
    return -math.inf if p <= 0 else math.log(p) - math.log(rest)


class BetaRatio:
    """Judge a rate from its numerator and denominator, not from its value alone.

    The baseline is a pair of exponentially decayed sums (successes, trials) with a
    half-life in points; its rate is ``p0 = (s + 0.5) / (n + 1)``. A point with ``k`` of
    ``m`` gets the posterior ``Beta(k + w·p0, m − k + w·(1 − p0))`` for its own rate
    (a prior worth ``w = prior_strength`` trials centred on the baseline). It fires only
    when the posterior probability that its rate is below (drop) or above (spike) ``p0``
    exceeds ``confidence`` AND the observed rate ``k/m`` differs from ``p0`` by at least
    ``min_effect`` (relative) AND by at least one whole event (``|k − p0·m| ≥ 1``, so a
    rate that has always been 0 cannot "drop" below its pseudo-count baseline), and only
    with ``m >= min_trials``. ``low``/``high`` are the
    Beta quantiles of a rate at ``p0`` over ``m + w`` trials, widened to the effect bar
    (an approximation of the test's region, for display). Score: ``1 − 0.5 ** r`` with
    ``r = min(logit(P) / logit(confidence), effect / min_effect, |k − p0·m|)``: ≥ 0.5 when it fires.

    Warm-up: nothing is judged before ``warmup_points`` points and ``warmup_trials``
    (decayed) trials. With ``protect`` an anomalous point is not learned, unless
    ``accept_after`` anomalies in a row go the same way: then their pooled counts
    replace the baseline (the new level is accepted).

    >>> import random
    >>> from datetime import datetime, timedelta
    >>> from detectors.base import Point
    >>> rng = random.Random(7)
    >>> detector = BetaRatio("win_rate", watch="drop")
    >>> start = datetime(2024, 1, 1)
    >>> for day in range(30):
    ...     won = sum(rng.random() < 0.3 for _ in range(40))
    ...     _ = detector.update(Point(start + timedelta(days=day), won / 40, won, 40))
    >>> round(detector.rate, 2)
    0.33
    >>> detector.update(Point(start + timedelta(days=30), 2 / 3, 2, 3)).is_anomaly
    False
    >>> collapse = detector.update(Point(start + timedelta(days=31), 2 / 40, 2, 40))
    >>> collapse.is_anomaly, collapse.direction, round(collapse.score, 2)
    (True, 'drop', 0.84)
    """

    def __init__(
        self,
        name: str = "ratio",
        half_life: float = 30.0,
        confidence: float = 0.99,
        min_effect: float = 0.3,
        watch: Watch = "both",
        prior_strength: float = 2.0,
        min_trials: float = 5.0,
        warmup_points: int = 7,
        warmup_trials: float = 20.0,
        protect: bool = True,
        accept_after: int = 3,
    ) -> None:
        self._check(name, half_life, confidence, min_effect, watch, prior_strength)
        if min_trials < 0 or warmup_trials < 0 or warmup_points < 0:
            raise ValueError("min_trials, warmup_points and warmup_trials must be >= 0")
        if accept_after < 1:
            raise ValueError(f"accept_after must be >= 1, got {accept_after}")
        self.name, self.half_life, self.confidence = name, half_life, confidence
        self.min_effect, self.watch, self.prior_strength = min_effect, watch, prior_strength
        self.min_trials, self.warmup_points, self.warmup_trials = (
            min_trials,
            warmup_points,
            warmup_trials,
        )
        self.protect, self.accept_after = protect, accept_after
        self._decay = 0.5 ** (1.0 / half_life)
        self._successes = self._trials = 0.0
        self._points = 0
        self._pending: tuple[float, float, int] = (0.0, 0.0, 0)  # k, m, count of a streak
        self._streak_dir: Direction | None = None

    @staticmethod
    def _check(
        name: str, half_life: float, confidence: float, effect: float, watch: str, prior: float
    ) -> None:
        if not name:
            raise ValueError("name must be a non-empty string")
        if not (half_life > 0 and math.isfinite(half_life)):
            raise ValueError(f"half_life must be a positive number of points, got {half_life}")
        if not 0.5 < confidence < 1:
            raise ValueError(f"confidence must be in (0.5, 1), got {confidence}")
        if not (effect > 0 and math.isfinite(effect)):
            raise ValueError(f"min_effect must be > 0, got {effect}")
        if watch not in ("drop", "spike", "both"):
            raise ValueError(f"watch must be 'drop', 'spike' or 'both', got {watch!r}")
        if not (prior > 0 and math.isfinite(prior)):
            raise ValueError(f"prior_strength must be > 0, got {prior}")

    @property
    def rate(self) -> float:
        """The baseline rate ``p0`` (0.5 before anything is learned)."""
        return (self._successes + 0.5) / (self._trials + 1.0)

    def update(self, point: Point) -> Verdict:
        counts = _counts(point)
        if counts is None:
            return quiet("no counts")
        k, m = counts
        if self._points < self.warmup_points or self._trials < self.warmup_trials:
            self._learn(k, m)
            return quiet("warm-up")
        if m < self.min_trials:
            self._learn(k, m)
            return quiet(f"fewer than {self.min_trials:g} trials", expected=self.rate)
        verdict = self._judge(k, m)
        if not verdict.is_anomaly or not self.protect:
            self._streak_dir, self._pending = None, (0.0, 0.0, 0)
            self._learn(k, m)
        elif self._hold(k, m, verdict.direction):
            verdict = replace(verdict, reason=verdict.reason + "; new level accepted")
        return verdict

    def _judge(self, k: float, m: float) -> Verdict:
        verdict = beta_test(
            k, m, self.rate, self.confidence, self.min_effect, 1.0, self.prior_strength
        )
        low = verdict.low if self.watch != "spike" else None
        high = verdict.high if self.watch != "drop" else None
        if self.watch in ("both", verdict.direction or self._direction(k, m)):
            return replace(verdict, low=low, high=high)
        return Verdict(0.0, False, verdict.expected, low, high, None, verdict.reason)

    def _direction(self, k: float, m: float) -> Direction:
        return "drop" if k / m < self.rate else "spike"

    def _hold(self, k: float, m: float, direction: Direction | None) -> bool:
        """Keep an anomalous point out; True when the streak confirms a new level."""
        if direction != self._streak_dir:
            self._pending = (0.0, 0.0, 0)
        self._streak_dir = direction
        pk, pm, count = self._pending
        self._pending = (pk + k, pm + m, count + 1)
        if count + 1 < self.accept_after:
            return False
        self._successes, self._trials = pk + k, pm + m
        self._streak_dir, self._pending = None, (0.0, 0.0, 0)
        return True

    def _learn(self, k: float, m: float) -> None:
        self._successes = self._successes * self._decay + k
        self._trials = self._trials * self._decay + m
        self._points += 1


def beta_test(
    k: float,
    m: float,
    p0: float,
    confidence: float,
    min_effect: float,
    min_gap: float = 1.0,
    prior_strength: float = 2.0,
) -> Verdict:
    """Is ``k`` successes of ``m`` trials off the baseline rate ``p0``? (see ``BetaRatio``)."""
    w = prior_strength
    a, b = k + w * p0, m - k + w * (1.0 - p0)
    below, above = float(betainc(a, b, p0)), float(betainc(b, a, 1.0 - p0))
    observed = k / m
    direction: Direction = "drop" if observed < p0 else "spike"
    odds = _logit(below, above) if direction == "drop" else _logit(above, below)
    effect = abs(observed - p0) / p0 if p0 > 0 else math.inf
    gap = abs(k - p0 * m)  # in whole successes: a change must be at least min_gap events
    bar = _logit(confidence, 1.0 - confidence)
    fires = odds > bar and effect >= min_effect and gap >= min_gap
    r = min(odds / bar, effect / min_effect, gap / min_gap)
    score = 1.0 - 0.5 ** max(r, 0.0)
    low, high = _band(p0, m + w, confidence, min_effect)
    reason = f"{k:g}/{m:g} = {observed:.3g} vs baseline {p0:.3g}, log-odds {odds:.3g}"
    return Verdict(score, fires, p0, low, high, direction if fires else None, reason)


def _band(p0: float, weight: float, confidence: float, min_effect: float) -> tuple[float, float]:
    """The Beta quantiles of a rate at ``p0`` over ``weight`` trials, widened to the effect bar."""
    a, b = p0 * weight, (1.0 - p0) * weight
    low = min(float(betaincinv(a, b, 1.0 - confidence)), p0 * (1.0 - min_effect))
    high = max(float(betaincinv(a, b, confidence)), p0 * (1.0 + min_effect))
    return max(low, 0.0), min(high, 1.0)
