"""BetaRatio: small samples never fire, real collapses do, and a confirmed new level is learned."""

from __future__ import annotations

import doctest
import random
from datetime import datetime, timedelta

import pytest

import detectors.ratio as ratio
from detectors.base import Point, Verdict, state_bytes
from detectors.ratio import BetaRatio

START = datetime(2024, 1, 1)


def at(day: int, won: float, trials: float) -> Point:
    value = won / trials if trials else None
    return Point(START + timedelta(days=day), value, numerator=won, denominator=trials)


def trained(
    rate: float = 0.3, trials: int = 40, days: int = 30, seed: int = 1, **kw: object
) -> BetaRatio:
    detector = BetaRatio("win_rate", **kw)  # type: ignore[arg-type]
    rng = random.Random(seed)
    for day in range(days):
        won = sum(rng.random() < rate for _ in range(trials))
        detector.update(at(day, won, trials))
    return detector


def test_doctests() -> None:
    result = doctest.testmod(ratio)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"half_life": 0},
        {"half_life": float("inf")},
        {"confidence": 0.5},
        {"confidence": 1.0},
        {"min_effect": 0},
        {"watch": "up"},
        {"prior_strength": 0},
        {"min_trials": -1},
        {"accept_after": 0},
        {"name": ""},
    ],
)
def test_rejects_bad_parameters(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        BetaRatio(**kwargs)  # type: ignore[arg-type]


def test_warm_up_is_quiet() -> None:
    detector = BetaRatio(warmup_points=5, warmup_trials=0)
    verdicts = [detector.update(at(d, 0 if d == 4 else 10, 40)) for d in range(5)]
    assert all(v.reason == "warm-up" and not v.is_anomaly for v in verdicts)


@pytest.mark.parametrize("rate", [0.05, 0.1, 0.3, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("won", [1, 2])
def test_one_of_three_never_fires_even_without_the_trial_floor(rate: float, won: int) -> None:
    """The posterior test itself, not only min_trials, keeps "1 lost (or won) of 3" quiet."""
    detector = trained(rate, min_trials=0)
    verdict = detector.update(at(40, won, 3))
    assert not verdict.is_anomaly, verdict.reason


@pytest.mark.parametrize("rate", [0.01, 0.05, 0.3, 0.9, 0.99])
@pytest.mark.parametrize("won", [0, 1, 2, 3, 4])
def test_fewer_than_five_trials_never_fire_with_defaults(rate: float, won: int) -> None:
    """0 of 3 at a 90 % baseline is significant (p = 0.001); the default floor still holds it."""
    verdict = trained(rate).update(at(40, won, 4))
    assert not verdict.is_anomaly and verdict.expected is not None


def test_one_lost_of_three_is_quiet_with_defaults_at_any_baseline() -> None:
    for rate in (0.6, 0.9, 0.99):
        verdict = trained(rate).update(at(40, 2, 3))
        assert not verdict.is_anomaly


def test_collapse_over_forty_deals_fires() -> None:
    detector = trained(0.3)
    verdict = detector.update(at(40, 2, 40))
    assert verdict.is_anomaly and verdict.direction == "drop"
    assert verdict.expected == pytest.approx(0.3, abs=0.05)
    assert verdict.low is not None and verdict.low > 0.05
    assert verdict.score > 0.5


def test_false_alarms_match_the_confidence() -> None:
    """confidence 0.99 per side: measured about 2 % of points on Binomial(40, 0.3) noise."""
    for confidence, bound in ((0.99, 0.03), (0.999, 0.005)):
        detector = trained(0.3, days=60, seed=2, confidence=confidence)
        rng = random.Random(9)
        fired = 0
        for day in range(60, 2060):
            won = sum(rng.random() < 0.3 for _ in range(40))
            fired += detector.update(at(day, won, 40)).is_anomaly
        assert fired <= bound * 2000, (confidence, fired)


def test_material_effect_is_required() -> None:
    """With huge samples a 10 % relative dip is significant but not material."""
    detector = trained(0.3, trials=1000)
    verdict = detector.update(at(40, 270, 1000))
    assert not verdict.is_anomaly and verdict.score < 0.5


def test_watch_limits_direction() -> None:
    churn = trained(0.05, watch="spike")
    assert not churn.update(at(40, 0, 200)).is_anomaly
    assert churn.update(at(41, 40, 200)).direction == "spike"
    drop_only = trained(0.05, watch="drop")
    assert drop_only.update(at(40, 40, 200)).score == 0.0


def test_protect_keeps_a_single_anomaly_out() -> None:
    detector = trained(0.3)
    before = detector.rate
    assert detector.update(at(40, 0, 40)).is_anomaly
    assert detector.rate == before


def test_unprotected_learns_anomalies() -> None:
    detector = trained(0.3, protect=False)
    before = detector.rate
    assert detector.update(at(40, 0, 40)).is_anomaly
    assert detector.rate < before


def test_new_level_accepted_after_streak() -> None:
    detector = trained(0.3, accept_after=3)
    verdicts = [detector.update(at(40 + i, 4, 40)) for i in range(6)]
    assert [v.is_anomaly for v in verdicts] == [True, True, True, False, False, False]
    assert "new level accepted" in verdicts[2].reason
    assert detector.rate == pytest.approx(0.1, abs=0.02)


def test_streak_restarts_when_direction_changes() -> None:
    detector = trained(0.3, accept_after=2)
    assert detector.update(at(40, 0, 40)).direction == "drop"
    assert detector.update(at(41, 40, 40)).direction == "spike"
    assert detector.update(at(42, 0, 40)).is_anomaly  # not accepted: the streak restarted


@pytest.mark.parametrize("won,trials", [(None, 5), (1, None), (1, 0), (-1, 5), (float("nan"), 5)])
def test_bad_counts_are_quiet_and_not_learned(won: float | None, trials: float | None) -> None:
    detector = trained(0.3)
    before = state_bytes(detector)
    verdict = detector.update(Point(START, 0.1, numerator=won, denominator=trials))
    assert verdict == Verdict(0.0, False, reason="no counts")
    assert state_bytes(detector) == before


def test_numerator_above_denominator_is_clamped() -> None:
    verdict = trained(0.05).update(at(40, 12, 10))
    assert verdict.is_anomaly and verdict.direction == "spike"
