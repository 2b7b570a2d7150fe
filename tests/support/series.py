"""Synthetic daily KPI series for detector tests: weekly shape, noise, an optional step."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from detectors.base import Detector, Point, Verdict

WEEK = [1.0, 1.1, 1.2, 1.1, 1.3, 0.6, 0.5]
T0 = datetime(2024, 1, 1)  # a Monday


def series(seed: int, n: int, factor: float = 1.0, at: int | None = None) -> list[float]:
    """Daily weekly-seasonal values around 100 with 5% noise; level × factor from ``at``."""
    rng = random.Random(seed)
    return [
        100.0 * (factor if at is not None and i >= at else 1.0) * WEEK[i % 7] * rng.gauss(1, 0.05)
        for i in range(n)
    ]


def run(det: Detector, values: list[float]) -> list[Verdict]:
    """One point a day from ``T0``, each judged then learned."""
    return [det.update(Point(T0 + timedelta(days=i), v)) for i, v in enumerate(values)]
