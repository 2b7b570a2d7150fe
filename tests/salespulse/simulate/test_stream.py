"""The stream as a whole: valid, ordered, zoned, deterministic, seed-dependent."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest

from salespulse.events import EVENT_TYPES, parse_event
from salespulse.simulate import AnomalyKind, SimulationConfig, simulate

if TYPE_CHECKING:
    from conftest import Run

SHORT = SimulationConfig(seed=3, days=8, scale=0.2)


def _bytes(config: SimulationConfig) -> bytes:
    return b"\n".join(e.to_json() for e in simulate(config).events)


def test_same_seed_gives_identical_bytes() -> None:
    assert _bytes(SHORT) == _bytes(SHORT)


def test_another_seed_gives_another_stream() -> None:
    other = SimulationConfig(seed=4, days=8, scale=0.2)
    assert _bytes(SHORT) != _bytes(other)


def test_every_event_round_trips_through_the_contract(clean: Run) -> None:
    for event in clean.events:
        assert parse_event(event.to_json()) == event


def test_every_event_type_occurs(clean: Run) -> None:
    assert {e.type for e in clean.events} == set(EVENT_TYPES)


def test_events_are_sorted_and_zoned_in_minsk(clean: Run) -> None:
    times = [e.time for e in clean.events]
    assert times == sorted(times)
    assert all(t.utcoffset() == timedelta(hours=3) for t in times)


def test_ids_are_sequential_and_sourced_from_the_simulator(clean: Run) -> None:
    assert [e.id for e in clean.events[:3]] == ["sim-7-1", "sim-7-2", "sim-7-3"]
    assert len({e.id for e in clean.events}) == len(clean.events)
    assert {e.source for e in clean.events} == {"simulator"}


def test_only_the_opening_snapshot_precedes_the_period(clean: Run) -> None:
    early = [e for e in clean.events if e.time.date() < clean.start]
    assert {e.type for e in early} == {"customer.acquired", "opportunity.created"}
    assert {e.time for e in early} == {clean.events[0].time}
    last = max(e.time for e in clean.events)
    assert last.date() == clean.start + timedelta(days=59)


def test_every_close_refers_to_a_published_opportunity(clean: Run) -> None:
    closes = clean.of("opportunity.won", "opportunity.lost", "opportunity.stage_changed")
    assert closes
    assert all(e.data.opportunity_id in clean.opp_rep for e in closes)


def test_churn_refers_to_a_published_customer(clean: Run) -> None:
    acquired = {e.data.customer_id for e in clean.of("customer.acquired")}
    churned = clean.of("customer.churned")
    assert churned
    assert all(e.data.customer_id in acquired for e in churned)


def test_volume_is_a_few_thousand_events_per_day_at_scale_one() -> None:
    events = list(simulate(SimulationConfig(seed=2, days=7)).events)
    per_day = sum(1 for e in events if e.time.date() >= SimulationConfig().start) / 7
    assert 1500 < per_day < 6000


def test_targets_cover_reps_teams_and_company_each_month(clean: Run) -> None:
    targets = clean.in_period("target.set")
    months = {e.data.period_start for e in targets}
    assert months == {clean.start.replace(month=m) for m in (1, 2, 3)}  # 60 days reach Mar 1
    scopes = {(e.data.scope.dimension.value, e.data.metric.value) for e in targets}
    assert scopes == {("rep", "revenue"), ("team", "revenue"), ("team", "leads"),
                      ("company", "revenue"), ("company", "leads")}
    assert all(e.time.hour == 0 and e.time.day == 1 for e in targets)
    assert all(e.data.currency == "BYN" for e in targets if e.data.metric.value == "revenue")


@pytest.mark.parametrize(
    ("seed", "days", "scale", "start"),
    [(1, 10, 0.3, date(2026, 1, 1)), (2, 45, 0.02, date(2026, 2, 27)),
     (11, 1, 0.05, date(2025, 12, 31)), (3, 3, 0.01, date(2026, 5, 9))],
)
def test_odd_sizes_and_starts_stay_valid(seed: int, days: int, scale: float, start: date) -> None:
    config = SimulationConfig(seed=seed, days=days, scale=scale, start=start,
                              anomalies=tuple(AnomalyKind))
    events = list(simulate(config).events)  # validation happens while iterating
    assert events and [e.time for e in events] == sorted(e.time for e in events)
    targets = [e for e in events if e.type == "target.set"]
    assert targets and all(e.data.value >= 0 for e in targets)
