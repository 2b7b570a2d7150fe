"""Ensemble policy and profiles: steps caught fast, flat series quiet, state small."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from detectors.base import Point, Verdict, state_bytes
from detectors.ensemble import Ensemble
from detectors.profiles import COLD_START, PROFILE_OF_KPI, build, profile_of

START = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday
WEEKLY = [1.0, 1.1, 1.05, 1.0, 1.2, 0.6, 0.4]
STEP_DAY = 90


def at(day: int, value: float | None, num: float | None = None, den: float | None = None) -> Point:
    return Point(START + timedelta(days=day), value, numerator=num, denominator=den)


def weekly_with_step(seed: int, days: int = 120, counts: bool = False) -> list[float]:
    rng = random.Random(seed)
    values = []
    for day in range(days):
        level = 1000.0 if day < STEP_DAY else 500.0
        value = level * WEEKLY[day % 7] * rng.gauss(1.0, 0.05)
        values.append(float(round(value / 10)) if counts else value)
    return values


class Fixed:
    """A member that says what it is told, to test the policy alone."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.next = Verdict(0.0, False)

    def update(self, point: Point) -> Verdict:
        return self.next


def fixed_ensemble(**options: object) -> tuple[Ensemble, dict[str, Fixed]]:
    members = {key: Fixed(key) for key in ("a", "b", "c")}
    return Ensemble(members, **options), members  # type: ignore[arg-type]


@pytest.mark.parametrize("profile", ["money", "counts"])
@pytest.mark.parametrize("seed", range(5))
def test_step_drop_fires_within_three_points_and_names_members(profile: str, seed: int) -> None:
    ensemble = build(profile)  # type: ignore[arg-type]
    fired: list[tuple[int, Verdict]] = []
    for day, value in enumerate(weekly_with_step(seed, counts=profile == "counts")):
        verdict = ensemble.update(at(day, value))
        if verdict.is_anomaly:
            fired.append((day, verdict))
    assert fired, "the step was never flagged"
    first_day, first = fired[0]
    assert STEP_DAY <= first_day < STEP_DAY + 3
    assert first.direction == "drop"
    assert "seasonal:" in first.reason
    assert first.expected is not None and first.low is not None and first.high is not None
    assert all(day >= STEP_DAY for day, _ in fired)  # no false alarm on 90 noisy days


@pytest.mark.parametrize("profile", ["money", "counts", "ratio"])
def test_constant_series_never_fires(profile: str) -> None:
    ensemble = build(profile)  # type: ignore[arg-type]
    for day in range(300):
        verdict = ensemble.update(at(day, 0.25, 10, 40))
        assert not verdict.is_anomaly
        assert verdict.score < 0.5


def test_cold_start_emits_nothing() -> None:
    ensemble = build("money")
    for day in range(COLD_START):
        verdict = ensemble.update(at(day, 1e9 if day == COLD_START - 1 else 100.0))
        assert verdict == Verdict(0.0, False, verdict.expected, reason="warm-up")


def test_ratio_profile_uses_counts_and_falls_back_to_value() -> None:
    rng = random.Random(7)
    ensemble = build("ratio")
    for day in range(60):
        won = sum(rng.random() < 0.3 for _ in range(40))
        assert not ensemble.update(at(day, won / 40, won, 40)).is_anomaly
    collapse = ensemble.update(at(60, 2 / 40, 2, 40))
    assert collapse.is_anomaly and collapse.direction == "drop"
    assert "beta_ratio:" in collapse.reason
    without_counts = ensemble.update(at(61, 0.0))
    assert without_counts.is_anomaly and without_counts.reason.startswith("seasonal:")


def test_vote_needs_min_votes_or_a_strong_solo() -> None:
    ensemble, members = fixed_ensemble(min_votes=2, strong=0.8)
    members["a"].next = Verdict(0.6, True, 10.0, 5.0, 15.0, "spike", "a says")
    alone = ensemble.update(at(0, 1.0))
    assert not alone.is_anomaly and alone.score == 0.6 and alone.direction is None
    assert alone.reason == "not confirmed (a: a says)"
    members["b"].next = Verdict(0.7, True, 3.0, 1.0, 5.0, "drop", "b says")
    both = ensemble.update(at(1, 1.0))
    assert both.is_anomaly and both.direction == "drop" and both.expected == 3.0
    assert both.reason == "a: a says; b: b says"
    members["b"].next = Verdict(0.9, True, 3.0, 1.0, 5.0, "drop", "b says")
    members["a"].next = Verdict(0.1, False, 10.0)
    assert ensemble.update(at(2, 1.0)).is_anomaly


def test_solo_excludes_confirm_only_members() -> None:
    ensemble, members = fixed_ensemble(solo={"a": 0.8})
    members["c"].next = Verdict(1.0, True, direction="drop", reason="shift")
    assert not ensemble.update(at(0, 1.0)).is_anomaly
    members["a"].next = Verdict(0.6, True, 2.0, direction="drop")
    assert ensemble.update(at(1, 1.0)).is_anomaly


def test_any_and_max_policies() -> None:
    anyone, members = fixed_ensemble(policy="any")
    members["c"].next = Verdict(0.55, True, 1.0, direction="spike")
    assert anyone.update(at(0, 1.0)).is_anomaly
    strongest, members = fixed_ensemble(policy="max", strong=0.8)
    members["a"].next = Verdict(0.7, True, 1.0, direction="spike")
    assert not strongest.update(at(0, 1.0)).is_anomaly
    members["a"].next = Verdict(0.85, True, 1.0, direction="spike")
    assert strongest.update(at(1, 1.0)).is_anomaly


def test_quiet_members_give_the_first_expected() -> None:
    ensemble, members = fixed_ensemble()
    members["b"].next = Verdict(0.2, False, 42.0, 40.0, 44.0)
    members["c"].next = Verdict(0.3, False, 7.0)
    verdict = ensemble.update(at(0, 1.0))
    assert (verdict.expected, verdict.low, verdict.high, verdict.score) == (42.0, 40.0, 44.0, 0.3)


@pytest.mark.parametrize(
    "options",
    [{"policy": "all"}, {"min_votes": 0}, {"strong": 1.5}, {"solo": {"z": 0.5}}, {"warmup": -1}],
)
def test_bad_options_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        fixed_ensemble(**options)


def test_state_stays_small_after_a_thousand_points() -> None:
    rng = random.Random(1)
    money, ratio = build("money"), build("ratio")
    for day in range(1000):
        money.update(at(day, 1000 * WEEKLY[day % 7] * rng.gauss(1, 0.05)))
        won = sum(rng.random() < 0.3 for _ in range(40))
        ratio.update(at(day, won / 40, won, 40))
    assert state_bytes(money) < 4096
    assert state_bytes(ratio) < 4096


def test_every_documented_kpi_has_a_profile() -> None:
    for kpi in ("revenue", "orders", "leads", "win_rate", "lead_conversion", "churn_rate"):
        assert kpi in PROFILE_OF_KPI
    assert PROFILE_OF_KPI["lead_to_opportunity"] == "ratio"
    assert PROFILE_OF_KPI["orders"] == "counts" and PROFILE_OF_KPI["revenue"] == "money"
    assert profile_of("stage_days.proposal") == "money"
    assert profile_of("plan_attainment.orders") == "money"
    with pytest.raises(ValueError):
        build("percent")  # type: ignore[arg-type]


def test_counts_only_members_do_not_vote_on_points_without_counts() -> None:
    ensemble, members = fixed_ensemble(min_votes=2, counts_only={"c"}, solo={})
    members["a"].next = Verdict(0.6, True, 1.0, direction="drop")
    assert not ensemble.update(at(0, 1.0, 1, 2)).is_anomaly  # c could vote: 2 needed
    two_members, members = fixed_ensemble(min_votes=3, counts_only={"b", "c"}, solo={})
    members["a"].next = Verdict(0.6, True, 1.0, direction="drop")
    assert two_members.update(at(0, 1.0)).is_anomaly  # only a is left to vote


def test_money_ratios_are_not_judged_as_successes_over_trials() -> None:
    assert PROFILE_OF_KPI["margin_pct"] == "money"
    assert PROFILE_OF_KPI["expansion_revenue_share"] == "money"
