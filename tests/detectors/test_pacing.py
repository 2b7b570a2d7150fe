"""PlanPacing: period bounds, cold start, business-day pacing and a learned month-end push."""

from __future__ import annotations

import doctest
import math
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

import detectors.pacing as pacing
from detectors.base import Point, Verdict
from detectors.pacing import PlanPacing, period_bounds

#: Amount sold on a day, given the day, its index in the period and the period's length.
Daily = Callable[[date, int, int], float]


def period(window: str, first: date) -> list[date]:
    bounds = period_bounds(window, first)
    assert bounds is not None
    start, end = bounds
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def business(day: date, index: int, length: int) -> float:
    """On plan, selling on weekdays only (the weekend dips to nothing)."""
    return 1.0 if day.weekday() < 5 else 0.0


def push(share: float) -> Daily:
    """``share`` of the result comes in the last 3 days, the rest evenly before."""

    def amount(day: date, index: int, length: int) -> float:
        return share / 3 if index >= length - 3 else (1 - share) / (length - 3)

    return amount


def feed(
    detector: PlanPacing, first: date, daily: Daily, pace: float = 1.0
) -> list[tuple[date, float, Verdict]]:
    """One period, judged daily; ``pace`` 1 ends exactly on plan."""
    days = period(detector.window, first)
    amounts = [daily(d, i, len(days)) for i, d in enumerate(days)]
    target = sum(amounts)
    done, out = 0.0, []
    for day, amount in zip(days, amounts, strict=True):
        done += amount * pace / target
        out.append((day, done, detector.judge(done, day)))
    return out


def fired(results: list[tuple[date, float, Verdict]]) -> list[int]:
    return [day.day for day, _, verdict in results if verdict.is_anomaly]


def trained(months: list[date], daily: Daily = business, **kw: float) -> PlanPacing:
    detector = PlanPacing("mtd", **kw)
    for first in months:
        feed(detector, first, daily)
    return detector


def test_doctests() -> None:
    result = doctest.testmod(pacing)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    "window,as_of,bounds",
    [
        ("mtd", date(2026, 1, 15), (date(2026, 1, 1), date(2026, 1, 31))),
        ("mtd", date(2026, 2, 1), (date(2026, 2, 1), date(2026, 2, 28))),
        ("mtd", date(2024, 2, 29), (date(2024, 2, 1), date(2024, 2, 29))),
        ("mtd", date(2026, 4, 30), (date(2026, 4, 1), date(2026, 4, 30))),
        ("mtd", date(2025, 12, 1), (date(2025, 12, 1), date(2025, 12, 31))),
        ("mtd", date(2025, 12, 31), (date(2025, 12, 1), date(2025, 12, 31))),
        ("qtd", date(2026, 1, 1), (date(2026, 1, 1), date(2026, 3, 31))),
        ("qtd", date(2026, 3, 31), (date(2026, 1, 1), date(2026, 3, 31))),
        ("qtd", date(2026, 4, 1), (date(2026, 4, 1), date(2026, 6, 30))),
        ("qtd", date(2026, 9, 30), (date(2026, 7, 1), date(2026, 9, 30))),
        ("qtd", date(2025, 10, 1), (date(2025, 10, 1), date(2025, 12, 31))),
        ("qtd", date(2025, 12, 31), (date(2025, 10, 1), date(2025, 12, 31))),
    ],
)
def test_period_bounds(window: str, as_of: date, bounds: tuple[date, date]) -> None:
    assert period_bounds(window, as_of) == bounds


@pytest.mark.parametrize("window", ["7d", "30d", "period", ""])
def test_period_bounds_of_other_windows_is_none(window: str) -> None:
    assert period_bounds(window, date(2026, 3, 3)) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"window": "7d"},
        {"margin": 0},
        {"margin": 1},
        {"critical_margin": 0},
        {"min_elapsed": 1},
        {"min_elapsed": -0.1},
        {"weekend_weight": 1.5},
        {"learn_rate": 0},
        {"learn_rate": 1.5},
    ],
)
def test_rejects_bad_parameters(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        PlanPacing(**kwargs)  # type: ignore[arg-type]


def test_no_attainment_is_quiet() -> None:
    detector = trained([date(2026, 1, 1)])
    assert detector.judge(None, date(2026, 2, 15)) == Verdict(0.0, False, reason="no plan period")


def test_update_judges_the_local_day_of_the_point() -> None:
    detector = trained([date(2026, 1, 1)])
    verdict = detector.update(Point(datetime(2026, 2, 16, 0, 0), 0.2))
    assert verdict == detector.judge(0.2, date(2026, 2, 16))
    assert verdict.is_anomaly


def test_cold_start_nothing_fires_in_the_first_period() -> None:
    detector = PlanPacing()
    results = feed(detector, date(2026, 1, 1), business, pace=0.1)
    assert not fired(results) and detector.shape is None
    assert all(v.reason.startswith("warm-up") for _, _, v in results)
    assert all(v.expected is not None for _, _, v in results)


def test_a_partial_first_period_is_not_learned_as_complete() -> None:
    detector = PlanPacing()
    march = period("mtd", date(2026, 3, 1))
    done = 0.0
    for day in march:  # on plan all month, but the target (and the series) is known on the 20th
        done += business(day, 0, 0) / 22
        if day.day >= 20:
            detector.judge(done, day)
    april = feed(detector, date(2026, 4, 1), business, pace=0.6)
    assert all(v.reason.startswith("warm-up") for _, _, v in april)


def test_on_plan_months_with_weekend_dips_never_fire() -> None:
    detector = trained([date(2026, 1, 1)])
    for month in range(2, 13):
        assert fired(feed(detector, date(2026, month, 1), business)) == []


def test_a_month_at_sixty_percent_of_pace_fires_once_min_elapsed_has_passed() -> None:
    detector = trained([date(2026, 4, 1)])
    results = feed(detector, date(2026, 5, 1), business, pace=0.6)
    first = math.ceil(0.3 * 31)  # day 10 of May: 10/31 >= min_elapsed 0.3
    assert fired(results) == list(range(first, 32))
    for _, done, verdict in results[first - 1 :]:
        assert verdict.direction == "drop" and 0.7 < verdict.score < 0.9
        assert verdict.low == pytest.approx(verdict.expected * 0.85)  # type: ignore[operator]
        assert done < verdict.low  # type: ignore[operator]
    assert all(v.reason == "too early in the period" for _, _, v in results[: first - 1])


def test_min_elapsed_zero_judges_from_the_first_day() -> None:
    detector = trained([date(2026, 4, 1)], min_elapsed=0.0)
    assert fired(feed(detector, date(2026, 5, 1), business, pace=0.6))[0] <= 2


def test_ahead_of_plan_is_not_an_anomaly() -> None:
    detector = trained([date(2026, 4, 1)])
    results = feed(detector, date(2026, 5, 1), business, pace=3.0)
    assert fired(results) == [] and all(v.score == 0.0 for _, _, v in results)


def test_a_quarter_behind_plan_fires() -> None:
    detector = PlanPacing("qtd")
    feed(detector, date(2026, 1, 1), business)
    assert fired(feed(detector, date(2026, 4, 1), business)) == []
    results = feed(detector, date(2026, 7, 1), business, pace=0.6)
    first = next(d for d, _, v in results if v.is_anomaly)
    assert date(2026, 7, 28) <= first <= date(2026, 8, 3)  # about 30 % of 92 days
    assert all(v.is_anomaly for d, _, v in results if d >= first)


def test_a_learned_month_end_push_stops_a_mid_month_false_alarm() -> None:
    """30 % of each month in its last 3 days: the business-day curve alone cries wolf."""
    months = [date(2026, m, 1) for m in (1, 2, 3, 4)]
    learned = trained(months, push(0.3))
    naive = trained([date(2026, 4, 1)])  # one month on the business-day curve
    fresh = PlanPacing()  # never learned anything: the business-day curve itself
    may = date(2026, 5, 1)
    assert fired(feed(learned, may, push(0.3))) == []
    assert len(fired(feed(naive, may, push(0.3)))) >= 15
    behind = [
        done / fresh.expected_share(period_bounds("mtd", day), day)  # type: ignore[arg-type]
        for day, done, _ in feed(PlanPacing(), may, push(0.3))[10:27]
    ]
    assert all(projected < 0.85 for projected in behind)
    assert learned.shape is not None and learned.shape[-1] == pytest.approx(1.0)
    assert learned.shape[5] == pytest.approx(0.6 * 0.7, abs=0.05)  # 70 % comes before day 28


def test_a_strong_learned_month_end_push_stops_mid_month_false_alarms() -> None:
    learned = trained([date(2026, m, 1) for m in (1, 2, 3, 4)], push(0.4))
    assert fired(feed(learned, date(2026, 5, 1), push(0.4))) == []


def test_attainment_far_ahead_of_plan_is_quiet() -> None:
    detector = trained([date(2026, 2, 1)])
    verdict = detector.judge(100.0, date(2026, 3, 16))
    assert not verdict.is_anomaly and verdict.score == 0.0


def test_critical_margin_changes_the_verdict() -> None:
    verdicts = []
    for critical in (0.2, 0.5):
        detector = trained([date(2026, 4, 1)], critical_margin=critical)
        verdicts.append(feed(detector, date(2026, 5, 1), business, pace=0.65)[20][2])
    assert verdicts[0] != verdicts[1]
