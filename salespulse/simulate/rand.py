"""Random draws the standard library lacks: Poisson counts and mean-one noise.

Everything takes an explicit ``random.Random`` so each part of the simulation draws
from its own seeded stream; that keeps one part's output unchanged when another part
draws more or fewer numbers (for example when an anomaly drops opportunities).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Sequence
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")

_CENT = Decimal("0.01")


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count; a rounded normal above 30, where the two are indistinguishable."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, product, count = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


def noise(rng: random.Random, sigma: float) -> float:
    """A lognormal factor with mean 1: multiplicative day-to-day wobble."""
    return math.exp(rng.gauss(-sigma * sigma / 2, sigma))


def lognormal(rng: random.Random, median: float, sigma: float) -> float:
    """A right-skewed positive value such as a sales cycle or a deal size."""
    return median * math.exp(rng.gauss(0.0, sigma))


class Picker(Generic[T]):
    """A weighted choice with the cumulative weights computed once, not on every draw."""

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        if len(items) != len(weights) or not items:
            raise ValueError("items and weights must be non-empty and of equal length")
        self._items = tuple(items)
        self._cumulative = tuple(itertools.accumulate(weights))

    def __call__(self, rng: random.Random) -> T:
        point = rng.random() * self._cumulative[-1]
        return self._items[bisect.bisect_right(self._cumulative, point)]


def below(rng: random.Random, n: int) -> int:
    """A uniform integer in [0, n): one draw, cheaper than ``randrange``."""
    return int(rng.random() * n)


def money(value: float) -> Decimal:
    """An amount rounded to cents, as the event contract wants Decimal, never float."""
    return Decimal(repr(value)).quantize(_CENT)


def at_least_cent(value: float) -> Decimal:
    """``money`` floored at one cent, for fields that must be strictly positive."""
    return max(money(value), _CENT)
