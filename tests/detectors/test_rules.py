"""Catalogue rules: thresholds with a minimum denominator, and the negative-growth streak."""

from __future__ import annotations

import doctest
import pickle
from datetime import datetime, timedelta

import pytest

import detectors.rules as rules
from detectors.base import Detector, Point
from detectors.rules import NegativeStreak, ThresholdRule, catalogue

DAY = datetime(2024, 3, 4)


def point(value: float | None, num: float | None = None, den: float | None = None) -> Point:
    return Point(DAY, value, numerator=num, denominator=den)


def test_doctests() -> None:
    result = doctest.testmod(rules)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"below": float("nan")},
        {"above": float("inf")},
        {"below": 5.0, "above": 5.0},
        {"below": 6.0, "above": 5.0},
        {"below": 1.0, "min_denominator": -1},
    ],
)
def test_threshold_rejects_bad_parameters(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ThresholdRule("r", **kwargs)


def test_threshold_rejects_empty_name() -> None:
    with pytest.raises(ValueError):
        ThresholdRule("", below=1.0)


def test_below_fires_only_when_crossed() -> None:
    rule = ThresholdRule("ltv_cac_below_3", below=3.0)
    assert not rule.update(point(3.0)).is_anomaly
    assert not rule.update(point(4.5)).is_anomaly
    verdict = rule.update(point(2.0))
    assert verdict.is_anomaly and verdict.direction == "drop"
    assert verdict.low == 3.0 and verdict.high is None


def test_above_fires_as_spike() -> None:
    rule = ThresholdRule("cac_payback_above_12_months", above=12.0)
    assert not rule.update(point(11.9)).is_anomaly
    verdict = rule.update(point(13.0))
    assert verdict.is_anomaly and verdict.direction == "spike"


def test_band_fires_on_both_sides() -> None:
    rule = ThresholdRule("lead_conversion_band", below=0.05, above=0.4)
    assert [rule.update(point(v)).direction for v in (0.01, 0.2, 0.6)] == ["drop", None, "spike"]


def test_score_grows_with_distance_and_is_half_at_the_line() -> None:
    rule = ThresholdRule("r", below=0.15)
    scores = [rule.update(point(v)).score for v in (0.149999, 0.12, 0.08, 0.0, -5.0)]
    assert scores == sorted(scores)
    assert scores[0] == pytest.approx(0.5, abs=1e-4)
    assert all(0.5 <= s <= 1.0 for s in scores)
    assert rule.update(point(0.2)).score == 0.0


def test_zero_threshold_scales_by_one() -> None:
    rule = ThresholdRule("growth_below_0", below=0.0)
    assert rule.update(point(-0.5)).score == pytest.approx(1 - 0.5**2)


def test_min_denominator_guards_small_samples() -> None:
    rule = ThresholdRule("win_rate_below_15pct", below=0.15, min_denominator=10)
    assert not rule.update(point(0.0, 0, 1)).is_anomaly
    assert not rule.update(point(0.0, 0, 9)).is_anomaly
    assert not rule.update(point(0.0)).is_anomaly  # no denominator: not judged
    assert rule.update(point(0.0, 0, 10)).is_anomaly


@pytest.mark.parametrize("value", [None, float("nan"), float("inf")])
def test_missing_value_is_quiet(value: float | None) -> None:
    assert not ThresholdRule("r", below=1.0).update(point(value)).is_anomaly


def test_streak_fires_after_n_negative_and_resets() -> None:
    rule = NegativeStreak(periods=2)
    growth = [-0.1, 0.2, -0.1, -0.2, -0.3, 0.0, -0.1]
    fired = [rule.update(point(g)).is_anomaly for g in growth]
    assert fired == [False, False, False, True, True, False, False]


def test_streak_score_rises_with_length() -> None:
    rule = NegativeStreak(periods=3)
    scores = [rule.update(point(-0.01)).score for _ in range(6)]
    assert scores == sorted(scores) and scores[2] == pytest.approx(0.5)
    assert scores[1] < 0.5 < scores[3] < 1.0


def test_missing_growth_neither_extends_nor_breaks_streak() -> None:
    rule = NegativeStreak(periods=2)
    rule.update(point(-0.1))
    assert not rule.update(point(None)).is_anomaly
    assert rule.update(point(-0.1)).is_anomaly


@pytest.mark.parametrize("periods", [0, -1, 1.5, True])
def test_streak_rejects_bad_periods(periods: int) -> None:
    with pytest.raises(ValueError):
        NegativeStreak(periods=periods)


def test_catalogue_covers_the_issue_rules() -> None:
    detectors = catalogue((0.05, 0.4), growth_periods=2)
    assert set(detectors) == {
        "win_rate",
        "ltv_cac",
        "cac_payback_months",
        "lead_conversion",
        "sales_growth",
    }
    assert all(isinstance(d, Detector) for d in detectors.values())
    assert detectors["win_rate"].update(point(0.1, 2, 20)).is_anomaly
    assert not detectors["win_rate"].update(point(0.0, 0, 3)).is_anomaly
    assert detectors["ltv_cac"].update(point(2.5)).is_anomaly
    assert detectors["cac_payback_months"].update(point(14.0)).is_anomaly
    assert detectors["lead_conversion"].update(point(0.5, 50, 100)).is_anomaly
    growth = detectors["sales_growth"]
    start = datetime(2024, 1, 1)
    months = [Point(start + timedelta(days=30 * i), -0.1) for i in range(2)]
    fired = [growth.update(p).is_anomaly for p in months]
    assert fired == [False, True]


def test_rules_pickle_small() -> None:
    assert len(pickle.dumps(NegativeStreak(3))) < 300
    assert len(pickle.dumps(ThresholdRule("r", below=1.0, above=2.0))) < 300
