"""SeasonalBaseline: weekday-aware median/MAD, warm-up, protect and acceptance of a new level."""

from __future__ import annotations

import copy
import doctest
import random
from datetime import datetime, timedelta

import pytest

import detectors.seasonal as seasonal
from detectors.base import Point, Verdict
from detectors.seasonal import SeasonalBaseline

MONDAY = datetime(2024, 1, 1)
WEEKLY = [1.0, 1.1, 1.05, 1.0, 1.2, 0.5, 0.3]


def at(day: int, value: float | None) -> Point:
    return Point(MONDAY + timedelta(days=day), value)


def level(day: int, base: float = 1000.0) -> float:
    return base * WEEKLY[day % 7]


def trained(days: int = 56, noise: float = 0.03, seed: int = 4, **kw: object) -> SeasonalBaseline:
    detector = SeasonalBaseline(name="revenue", **kw)  # type: ignore[arg-type]
    rng = random.Random(seed)
    for day in range(days):
        detector.update(at(day, level(day) * rng.gauss(1, noise)))
    return detector


def test_doctests() -> None:
    result = doctest.testmod(seasonal)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"season": 0},
        {"history": 1},
        {"warmup_seasons": 0},
        {"warmup_seasons": 9, "history": 8},
        {"k": 0},
        {"k": float("nan")},
        {"accept_after": 0},
        {"min_spread": 0},
        {"rel_floor": -0.1},
        {"name": ""},
    ],
)
def test_rejects_bad_parameters(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SeasonalBaseline(**kwargs)  # type: ignore[arg-type]


def test_warm_up_emits_nothing_for_two_weeks() -> None:
    detector = SeasonalBaseline()
    verdicts = [detector.update(at(d, 1e6 if d == 10 else level(d))) for d in range(14)]
    assert all(v == Verdict(0.0, False, reason="warm-up") for v in verdicts)
    assert detector.update(at(14, level(14))).reason != "warm-up"


def test_expected_follows_the_weekday() -> None:
    detector = trained()
    saturday, monday = detector.update(at(61, level(61))), detector.update(at(63, level(63)))
    assert saturday.expected == pytest.approx(500, rel=0.05)
    assert monday.expected == pytest.approx(1000, rel=0.05)
    assert not saturday.is_anomaly and not monday.is_anomaly


def test_weekday_level_on_another_weekday_fires() -> None:
    """Monday's normal revenue on a Sunday is a spike: a plain global baseline would miss it."""
    verdict = trained().update(at(62, level(63)))
    assert verdict.is_anomaly and verdict.direction == "spike"


def test_noise_rarely_fires() -> None:
    """3 % noise, k = 4: measured about 1 false alarm per 1,000 points over 30 seeds."""
    fired = 0
    for seed in range(5):
        detector = trained(days=14, seed=seed)
        rng = random.Random(100 + seed)
        days = range(14, 1014)
        fired += sum(detector.update(at(d, level(d) * rng.gauss(1, 0.03))).is_anomaly for d in days)
    assert fired <= 15  # 0.3 % of 5,000 points


def test_score_is_half_at_the_band_edge_and_grows() -> None:
    detector = trained()
    verdict = copy.deepcopy(detector).update(at(63, 1000.0))
    assert verdict.high is not None and verdict.expected is not None
    edge = copy.deepcopy(detector).update(at(63, verdict.high - 1e-6))
    assert edge.score == pytest.approx(0.5, abs=1e-6) and not edge.is_anomaly
    far = copy.deepcopy(detector).update(at(63, 3 * verdict.high))
    assert far.score > 0.9 and far.is_anomaly
    assert verdict.score < edge.score < far.score


def test_constant_series_has_a_nonzero_band() -> None:
    detector = SeasonalBaseline()
    for day in range(30):
        assert not detector.update(at(day, 100.0)).is_anomaly
    verdict = detector.update(at(30, 100.0))
    assert verdict.low is not None and verdict.low < 100.0 < (verdict.high or 0)
    assert detector.update(at(31, 110.0)).is_anomaly  # 10 % off a flat line, band is 4 %


def test_mostly_constant_history_uses_mean_deviation() -> None:
    detector = SeasonalBaseline(season=1, min_spread=1e-6, rel_floor=0.0, protect=False)
    for day, value in enumerate([0, 0, 0, 0, 0, 1, 0, 0]):
        detector.update(at(day, value))
    assert detector.update(at(8, 0.5)).low is not None
    assert not detector.update(at(9, 0.5)).is_anomaly


def test_protect_keeps_a_spike_out() -> None:
    detector = trained()
    spike = detector.update(at(63, 50_000.0))
    assert spike.is_anomaly
    assert detector.update(at(70, 1000.0)).expected == spike.expected


def test_immature_slot_is_not_frozen_by_protect() -> None:
    """Before a slot holds history // 2 values, anomalies are learned (no deadlock)."""
    detector = SeasonalBaseline(season=1, history=8)
    for day, value in enumerate([100.0, 100.0, 200.0, 200.0]):
        detector.update(at(day, value))
    assert not detector.update(at(4, 200.0)).is_anomaly


def test_unprotected_learns_spikes() -> None:
    detector = trained(protect=False, history=3)
    for week in range(2):
        detector.update(at(63 + 7 * week, 50_000.0))
    assert not detector.update(at(77, 50_000.0)).is_anomaly


@pytest.mark.parametrize("factor", [0.4, 2.0])
def test_step_is_flagged_then_accepted(factor: float) -> None:
    detector = trained(accept_after=3)
    verdicts = [detector.update(at(d, level(d) * factor)) for d in range(56, 70)]
    assert [v.is_anomaly for v in verdicts[:3]] == [True, True, True]
    assert "new level accepted" in verdicts[2].reason
    assert not any(v.is_anomaly for v in verdicts[3:])
    assert verdicts[-1].expected == pytest.approx(level(69) * factor, rel=0.05)


def test_streak_broken_by_a_normal_point_is_not_accepted() -> None:
    detector = trained(accept_after=2)
    assert detector.update(at(56, 10.0)).is_anomaly
    assert not detector.update(at(57, level(57))).is_anomaly
    assert detector.update(at(58, 10.0)).is_anomaly
    assert "accepted" not in detector.update(at(59, level(59) * 3)).reason  # direction changed


def test_negative_values_accept_by_shifting() -> None:
    detector = SeasonalBaseline(season=1, accept_after=2)
    for day in range(10):
        detector.update(at(day, -100.0 + day % 2))
    assert detector.update(at(10, 500.0)).is_anomaly
    assert "accepted" in detector.update(at(11, 500.0)).reason
    assert not detector.update(at(12, 500.5)).is_anomaly


@pytest.mark.parametrize("value", [None, float("nan"), float("-inf")])
def test_missing_values_are_quiet(value: float | None) -> None:
    assert trained().update(at(60, value)) == Verdict(0.0, False, reason="missing value")


def test_gaps_keep_the_weekday() -> None:
    detector = trained()
    saturday = 56 + 7 * 5 + 5  # after five weeks of silence
    verdict = detector.update(at(saturday, level(5)))
    assert verdict.expected == pytest.approx(500, rel=0.05) and not verdict.is_anomaly
