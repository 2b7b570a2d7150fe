"""Level shift: river's Page-Hinkley test on the series in units of its own noise.

Values are centred on the level at the start of a run and divided by an online noise
scale before they reach ``river.drift.PageHinkley``, so ``delta`` and ``threshold``
are in sigmas and one setting fits revenue in dollars and win rates alike. The scale
is an exponentially weighted mean of |x_t - x_(t-1)|, which a level shift moves by one
clipped step only.
Page-Hinkley restarts after each detection, so a shift fires once.
"""

from __future__ import annotations

import math

from river import drift, stats

from detectors.base import Direction, Point, Verdict, quiet

__all__ = ["LevelShift"]

_MEAN_ABS_DIFF_TO_SIGMA = math.sqrt(math.pi) / 2  # E|x_t - x_(t-1)| = 2·sigma/sqrt(pi)


class LevelShift:
    """Fire once when the mean of a series shifts; score 1 at detection, else 0.

    Parameters
    ----------
    delta
        Page-Hinkley's tolerated drift per point, in noise sigmas.
    threshold
        Page-Hinkley's detection threshold (lambda), in noise sigmas.
    warmup
        Points that only train the noise scale before any test.
    min_instances
        Points Page-Hinkley needs after a (re)start before it may fire.
    fading
        Fading factor of the noise scale and of the recent mean used for the direction.
    clip
        Steps larger than ``clip`` scales are clipped before they train the scale.
    min_scale, rel_floor
        Absolute and relative (to the recent mean) floors of the scale.

    Examples
    --------
    >>> import random
    >>> from datetime import datetime, timedelta
    >>> rng = random.Random(3)
    >>> det = LevelShift()
    >>> t0 = datetime(2024, 1, 1)
    >>> for i in range(120):
    ...     v = rng.gauss(100.0 if i < 80 else 60.0, 5.0)
    ...     verdict = det.update(Point(t0 + timedelta(days=i), v))
    ...     if verdict.is_anomaly:
    ...         print(i, verdict.direction)
    81 drop
    """

    name = "level_shift"

    def __init__(
        self,
        delta: float = 0.5,
        threshold: float = 8.0,
        warmup: int = 14,
        min_instances: int = 7,
        fading: float = 0.05,
        clip: float = 4.0,
        min_scale: float = 1e-6,
        rel_floor: float = 0.01,
    ) -> None:
        if delta < 0 or threshold <= 0:
            raise ValueError("delta must be >= 0 and threshold > 0")
        if warmup < 2 or min_instances < 1:
            raise ValueError("warmup must be >= 2 and min_instances >= 1")
        if not 0.0 < fading <= 1.0:
            raise ValueError(f"fading must be in (0, 1], got {fading}")
        if clip <= 0 or min_scale <= 0 or rel_floor < 0:
            raise ValueError("clip and min_scale must be > 0, rel_floor >= 0")
        self.warmup, self.clip = warmup, clip
        self.min_scale, self.rel_floor = min_scale, rel_floor
        self.test = drift.PageHinkley(
            min_instances=min_instances, delta=delta, threshold=threshold, alpha=1.0
        )
        self.abs_step = stats.EWMean(fading)
        self.recent = stats.EWMean(max(fading, 0.3))
        self.baseline = stats.Mean()  # mean since Page-Hinkley last restarted
        self.n = 0
        self._last: float | None = None
        self._ref: float | None = None  # fixed centre of one Page-Hinkley run

    def update(self, point: Point) -> Verdict:
        """Judge ``point`` (has the level shifted by now?), then learn from it."""
        value = point.value
        if value is None or not math.isfinite(value):
            return quiet("missing value")
        self.n += 1
        scale = self._scale()
        self._learn_scale(value, scale)
        self.recent.update(value)
        if self.n <= self.warmup:
            return quiet("warm-up")
        if self._ref is None:
            self._ref = self.recent.get()
        before = self.baseline.get()
        self.test.update((value - self._ref) / scale)
        self.baseline.update(value)
        if not self.test.drift_detected:
            return quiet("", before)
        self.baseline, self._ref = stats.Mean(), None
        direction: Direction = "spike" if self.recent.get() > before else "drop"
        return Verdict(1.0, True, before, direction=direction, reason="level shift detected")

    def _scale(self) -> float:
        floor = max(self.min_scale, self.rel_floor * abs(self.recent.get()))
        return max(floor, _MEAN_ABS_DIFF_TO_SIGMA * self.abs_step.get())

    def _learn_scale(self, value: float, scale: float) -> None:
        if self._last is not None:
            step = abs(value - self._last)
            self.abs_step.update(min(step, self.clip * scale) if self.n > self.warmup else step)
        self._last = value
