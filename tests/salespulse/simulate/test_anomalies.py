"""Each injected anomaly moves its labelled KPI for its key, inside its window only."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from salespulse.simulate import Anomaly, AnomalyKind, SimulationConfig, simulate
from salespulse.simulate.timeline import days_in_month, is_business_day

if TYPE_CHECKING:
    from conftest import Run

K = AnomalyKind


def _split(anomaly: Anomaly, events: list) -> tuple[list, list]:
    inside = [e for e in events if anomaly.covers(e.time)]
    return inside, [e for e in events if not anomaly.covers(e.time)]


def _window_days(anomaly: Anomaly) -> list[date]:
    days, day = [], anomaly.start.date()
    while day < anomaly.end.date():
        days.append(day)
        day += timedelta(days=1)
    return days


def test_labels_name_every_kind_once_in_the_later_part_of_the_period(anomalous: Run) -> None:
    assert [a.kind for a in anomalous.labels] == list(AnomalyKind)
    period_end = anomalous.start + timedelta(days=60)
    for a in anomalous.labels:
        assert anomalous.start + timedelta(days=30) <= a.start.date() < a.end.date()
        assert a.end.date() <= period_end
        assert a.start.utcoffset() == timedelta(hours=3)


def test_labels_depend_on_the_seed_only(anomalous: Run) -> None:
    one = SimulationConfig(seed=7, days=60, scale=0.5, anomalies=(K.CHURN_SPIKE,))
    assert simulate(one).labels == [anomalous.label(K.CHURN_SPIKE)]
    other = SimulationConfig(seed=8, days=60, scale=0.5, anomalies=tuple(AnomalyKind))
    assert simulate(other).labels != anomalous.labels


def test_anomalies_leave_lead_flow_untouched(clean: Run, anomalous: Run) -> None:
    def leads(run: Run) -> list:
        return [(e.time, e.data) for e in run.of("lead.created")]

    assert leads(clean) == leads(anomalous)


def _win_ratio(events: list) -> float:
    won = sum(e.type == "opportunity.won" for e in events)
    return won / len(events)


def test_win_rate_collapse(clean: Run, anomalous: Run) -> None:
    a = anomalous.label(K.WIN_RATE_COLLAPSE)
    assert (a.kpi, a.dimension) == ("opportunity_win_ratio", "rep")
    closes = [e for e in anomalous.in_period("opportunity.won", "opportunity.lost")
              if e.data.rep == a.key]
    inside, outside = _split(a, closes)
    normal = [e for e in clean.in_period("opportunity.won", "opportunity.lost")
              if e.data.rep == a.key and a.covers(e.time)]
    assert len(inside) >= 40
    assert _win_ratio(inside) < 0.12 < 0.15 < min(_win_ratio(outside), _win_ratio(normal))


def _churn_rate(run: Run, anomaly: Anomaly) -> tuple[float, float]:
    """Churned / billed (churned + renewed) in the anomaly's region, inside and outside."""
    billed = [e for e in run.in_period("customer.churned", "order.placed")
              if e.data.region == anomaly.key
              and (e.type == "customer.churned" or e.data.kind == "renewal")]
    rates = []
    for part in _split(anomaly, billed):
        rates.append(sum(e.type == "customer.churned" for e in part) / len(part))
    return rates[0], rates[1]


def test_churn_spike(clean: Run, anomalous: Run) -> None:
    a = anomalous.label(K.CHURN_SPIKE)
    assert (a.kpi, a.dimension) == ("churn_rate", "region")
    inside, outside = _churn_rate(anomalous, a)
    assert inside > 2.5 * outside
    clean_inside, _ = _churn_rate(clean, a)
    assert inside > 2.5 * clean_inside


def _spend(run: Run, campaign: str) -> dict[date, Decimal]:
    return {e.data.period_start: e.data.amount for e in run.in_period("marketing.spend")
            if e.data.campaign == campaign}


def test_spend_without_leads(clean: Run, anomalous: Run) -> None:
    a = anomalous.label(K.SPEND_WITHOUT_LEADS)
    assert (a.kpi, a.dimension) == ("cac", "campaign")
    normal, doubled = _spend(clean, a.key), _spend(anomalous, a.key)
    window = set(_window_days(a))
    for day, amount in doubled.items():
        expected = 2 * normal[day] if day in window else normal[day]
        assert abs(amount - expected) <= Decimal("0.01"), day
    leads = [e for e in anomalous.in_period("lead.created") if e.data.campaign == a.key]
    inside, outside = _split(a, leads)
    per_day_in = len(inside) / len(window)
    per_day_out = len(outside) / (60 - len(window))
    assert 0.6 < per_day_in / per_day_out < 1.6


def _in_scope(run: Run, anomaly: Anomaly, opportunity_id: str) -> bool:
    return anomaly.dimension == "company" or run.opp_team[opportunity_id] == anomaly.key


def _open_pipeline(run: Run, anomaly: Anomaly, moment: datetime) -> Decimal:
    """Open pipeline value of the anomaly's scope at ``moment``."""
    value = Decimal(0)
    for e in run.of("opportunity.created", "opportunity.won", "opportunity.lost"):
        if e.time >= moment:
            break
        if _in_scope(run, anomaly, e.data.opportunity_id):
            amount = run.opp_amount[e.data.opportunity_id]
            value += amount if e.type == "opportunity.created" else -amount
    return value


def test_pipeline_drop(clean: Run, anomalous: Run) -> None:
    a = anomalous.label(K.PIPELINE_DROP)
    assert a.kpi == "open_pipeline_value" and a.dimension in ("company", "team")
    created = [e for e in anomalous.in_period("opportunity.created")
               if _in_scope(anomalous, a, e.data.opportunity_id)]
    per_day = anomalous.daily(created)
    window = [d for d in _window_days(a) if is_business_day(d)]
    before = [d for d in per_day if d < a.start.date() and is_business_day(d)]
    assert statistics.mean(per_day[d] for d in window) < 0.4 * statistics.mean(
        per_day[d] for d in before)
    def change(run: Run) -> Decimal:
        return _open_pipeline(run, a, a.end) / _open_pipeline(run, a, a.start)

    assert change(anomalous) < Decimal("0.75") < Decimal("0.9") < change(clean)


def _rep_cycles(run: Run, rep: str) -> list[tuple[object, float]]:
    won = [e for e in run.in_period("opportunity.won") if e.data.rep == rep]
    return [(e, c) for e in won if (c := run.cycle_days(e)) is not None]


@pytest.fixture(scope="module")
def slow_rep(materialise: Callable[[SimulationConfig], Run]) -> Run:
    """150 days: a doubled cycle is only measurable once leads that old were published."""
    config = SimulationConfig(seed=7, days=150, scale=0.4, anomalies=(K.CYCLE_LENGTHENING,))
    return materialise(config)


def test_cycle_lengthening(slow_rep: Run) -> None:
    a = slow_rep.label(K.CYCLE_LENGTHENING)
    assert (a.kpi, a.dimension) == ("sales_cycle_days", "rep")
    settled = slow_rep.start + timedelta(days=60)  # before that, only short cycles are known
    cycles = [(e.time, c) for e, c in _rep_cycles(slow_rep, a.key) if e.time.date() >= settled]
    inside = [c for t, c in cycles if a.covers(t)]
    before = [c for t, c in cycles if t < a.start]
    assert len(inside) >= 20 and len(before) >= 20
    assert statistics.mean(inside) > 1.5 * statistics.mean(before)
    assert statistics.median(inside) > 1.5 * statistics.median(before)


def _attainment(run: Run, team: str, days: list[date]) -> float:
    """Team revenue over those days / the monthly revenue target spread evenly per day."""
    plan = {e.data.period_start: e.data.value for e in run.in_period("target.set")
            if e.data.scope.key == team and e.data.metric.value == "revenue"}
    revenue: dict[date, Decimal] = defaultdict(Decimal)
    for e in run.in_period("order.placed"):
        if e.data.team == team:
            revenue[e.time.date()] += e.data.amount
    planned = sum(plan[d.replace(day=1)] / days_in_month(d) for d in days)
    return float(sum(revenue[d] for d in days) / planned)


def test_revenue_behind_plan(clean: Run, anomalous: Run) -> None:
    a = anomalous.label(K.REVENUE_BEHIND_PLAN)
    assert (a.kpi, a.dimension) == ("plan_attainment", "team")
    window = _window_days(a)
    february = [anomalous.start.replace(month=2, day=d) for d in range(1, 29)]
    outside = [d for d in february if d not in window]
    assert _attainment(anomalous, a.key, window) < 0.75
    assert _attainment(anomalous, a.key, outside) > 0.85
    assert _attainment(clean, a.key, window) > 0.85
