"""Properties shared by the rule, ratio and seasonal detectors (hypothesis)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.base import Detector, Point, state_bytes
from detectors.ratio import BetaRatio
from detectors.rules import NegativeStreak, ThresholdRule
from detectors.seasonal import SeasonalBaseline

START = datetime(2024, 1, 1)  # a Monday
WARMUP_DAYS = 14  # seasonal: 2 weeks; ratio: 7 points and 20 trials
finite = st.floats(allow_nan=False, allow_infinity=False)
maybe = st.one_of(st.none(), finite)


def value_detectors() -> list[Detector]:
    return [
        SeasonalBaseline(),
        SeasonalBaseline(season=1, protect=False, accept_after=1),
        ThresholdRule("band", below=0.1, above=0.5, min_denominator=3),
        NegativeStreak(2),
    ]


def at(day: int, value: float | None, num: float | None = None, den: float | None = None) -> Point:
    return Point(START + timedelta(days=day), value, numerator=num, denominator=den)


def assert_sane(detector: Detector, point: Point) -> None:
    verdict = detector.update(point)
    assert 0.0 <= verdict.score <= 1.0  # Verdict also rejects NaN
    assert verdict.is_anomaly == (verdict.score >= 0.5) or 0.49 < verdict.score < 0.51


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(maybe, maybe), max_size=60))
def test_value_scores_are_finite_and_bounded(
    values: list[tuple[float | None, float | None]],
) -> None:
    for detector in value_detectors():
        for day, (value, den) in enumerate(values):
            assert_sane(detector, at(day, value, den=den))


counts = st.integers(0, 10**6).flatmap(lambda m: st.tuples(st.integers(0, m), st.just(m)))


@settings(max_examples=200, deadline=None)
@given(st.lists(counts, max_size=80), st.sampled_from(["drop", "spike", "both"]))
def test_ratio_scores_are_finite_and_bounded(pairs: list[tuple[int, int]], watch: str) -> None:
    detector = BetaRatio(watch=watch, warmup_points=3, warmup_trials=0)  # type: ignore[arg-type]
    for day, (k, m) in enumerate(pairs):
        assert_sane(detector, at(day, k / m if m else None, k, m))


@settings(max_examples=100, deadline=None)
@given(finite, st.integers(WARMUP_DAYS, 60))
def test_constant_series_never_fires(value: float, days: int) -> None:
    detector = SeasonalBaseline()
    assert not any(detector.update(at(day, value)).is_anomaly for day in range(days))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 10**5), st.floats(0.0, 1.0), st.integers(8, 60))
def test_constant_rate_never_fires(trials: int, rate: float, days: int) -> None:
    detector = BetaRatio(min_trials=0, warmup_trials=0)
    won = round(rate * trials)
    verdicts = [detector.update(at(d, won / trials, won, trials)) for d in range(days)]
    assert not any(v.is_anomaly for v in verdicts)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 2**32),
    st.floats(10.0, 1e9),
    st.floats(0.0, 0.05),
    st.lists(st.floats(0.3, 1.5), min_size=7, max_size=7),
    st.sampled_from([0.4, 2.0]),
    st.integers(WARMUP_DAYS + 14, 70),
)
def test_step_change_fires_within_three_points(
    seed: int, base: float, noise: float, weekly: list[float], factor: float, step: int
) -> None:
    """A ×0.4 or ×2 level step on a weekly-seasonal series with up to 5 % noise."""
    rng = random.Random(seed)
    detector = SeasonalBaseline()

    def value(day: int, level: float) -> float:
        return level * weekly[day % 7] * rng.gauss(1.0, noise)

    for day in range(step):
        detector.update(at(day, value(day, base)))
    after = range(step, step + 3)
    fired = [detector.update(at(d, value(d, base * factor))).is_anomaly for d in after]
    assert any(fired)


def test_state_stays_small_after_1000_points() -> None:
    rng = random.Random(5)
    seasonal, ratio = SeasonalBaseline(), BetaRatio()
    for day in range(1000):
        seasonal.update(at(day, 1000 * rng.lognormvariate(0, 0.3)))
        m = rng.randint(0, 60)
        k = sum(rng.random() < 0.3 for _ in range(m))
        ratio.update(at(day, k / m if m else None, k, m))
    sizes = {"seasonal": state_bytes(seasonal), "ratio": state_bytes(ratio)}
    print(f"state bytes after 1,000 points: {sizes}")
    assert sizes["seasonal"] < 2048 and sizes["ratio"] < 2048
    assert sum(len(slot) for slot in seasonal._slots) <= 7 * 8
