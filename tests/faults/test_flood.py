"""A flood of unique rep / team / region / campaign values: series and labels stay capped.

A buggy or hostile producer can mint a new key per event. The KPI engine admits at most
``max_series_per_dimension`` keys per dimension and counts the rest in ``dropped``; the
monitor judges at most ``max_series``; the Prometheus collectors export only what those
hold. Memory is measured with tracemalloc after 10k and after 100k unique keys.
"""

from __future__ import annotations

import tracemalloc
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from detectors.daily import DailyJudge
from detectors.monitor import KpiMonitor
from salespulse.events import event_from_dict
from salespulse.kpis import KpiEngine, KpiValue
from salespulse.kpis.compute import all_values
from salespulse.kpis.config import KpiConfig
from streams.detector_views import DetectorCollector
from streams.kpi_views import KpiCollector
from tests.support.examples import example

CAP = 50
FLOODED = ("rep", "region", "campaign", "channel", "product")
MEASURED = ("rep", "region", "campaign")  # fewer dimensions: tracemalloc makes each apply slow


def flood(
    count: int, *, team: bool, dims: tuple[str, ...] = FLOODED, start: int = 0
) -> Iterator[Any]:
    """order.placed events, each with never-seen keys in every flooded dimension."""
    base = event_from_dict(example("order.placed"))
    for i in range(start, start + count):
        n = str(i)
        keys = {dim: f"{dim}-{n}" for dim in dims}
        if team:
            keys["team"] = f"team-{n}"
        data = base.data.model_copy(update=keys)
        yield base.model_copy(update={"id": f"flood-{n}", "data": data})


def spend_flood(count: int) -> Iterator[Any]:
    """marketing.spend over a fresh campaign each (a second event type, other dims)."""
    base = event_from_dict(example("marketing.spend"))
    for i in range(count):
        data = base.data.model_copy(update={"campaign": f"spend-{i}", "channel": f"sch-{i}"})
        yield base.model_copy(update={"id": f"spend-{i}", "data": data})


def _engine() -> KpiEngine:
    return KpiEngine(KpiConfig(max_series_per_dimension=CAP))


def _keys_by_dimension(series: Any) -> Counter[str]:
    return Counter(dim for dim, _ in series)


def test_kpi_series_stay_at_the_cap_and_the_rest_is_counted() -> None:
    engine, count = _engine(), 3000
    for event in flood(count, team=True):
        assert engine.apply(event)
    for event in spend_flood(count):
        assert engine.apply(event)
    held = _keys_by_dimension(engine.cells)
    assert held["company"] == 1
    for dim in (*FLOODED, "team"):
        assert held[dim] == CAP == engine.series_per_dimension[dim], dim
    assert engine.dropped["rep"] == count - CAP
    assert engine.dropped["team"] == count - CAP
    # spend adds a contribution per dropped campaign and channel of its own
    assert engine.dropped["campaign"] == 2 * count - CAP
    assert engine.dropped["channel"] == 2 * count - CAP
    assert len(engine.touched) <= 1 + CAP * (len(FLOODED) + 1)
    assert engine.applied == 2 * count, "a dropped series never drops the event"


def test_company_totals_still_count_every_flooded_event() -> None:
    engine = _engine()
    for event in flood(500, team=False):
        engine.apply(event)
    orders = [
        v
        for v in all_values(engine, scores=False, series=[("company", "all")])
        if v.kpi == "orders" and v.window == "day"
    ]
    assert [v.value for v in orders] == [500]


def test_prometheus_kpi_labels_are_bounded_by_the_cap() -> None:
    engine = _engine()
    for event in flood(2000, team=True):
        engine.apply(event)
    current = {v.series_id: v for v in all_values(engine, scores=False)}
    service = SimpleNamespace(engine=engine, current=current)
    families = {f.name: f for f in KpiCollector(service).collect()}  # type: ignore[arg-type]
    keys = {
        (s.labels["dimension"], s.labels["key"]) for s in families["salespulse_kpi_value"].samples
    }
    per_dim = _keys_by_dimension(keys)
    assert max(per_dim.values()) <= CAP, per_dim
    assert all(dim not in per_dim or per_dim[dim] == CAP for dim in FLOODED)
    dropped = families["salespulse_kpi_dropped_series"].samples
    assert {s.labels["dimension"] for s in dropped} <= {*FLOODED, "team"}
    assert sum(s.value for s in dropped) == sum(engine.dropped.values())


def _values(count: int, start: int = 0, dimension: str = "rep") -> list[KpiValue]:
    day = date(2026, 3, 1)
    return [
        KpiValue("win_rate", dimension, f"{dimension}-{i}", "7d", day, 0.3, 3, 10)
        for i in range(start, start + count)
    ]


def test_the_monitor_judges_at_most_max_series_and_counts_the_rest() -> None:
    monitor = KpiMonitor(max_series=100)
    at = datetime(2026, 3, 1, tzinfo=UTC)
    monitor.judge(_values(5000), date(2026, 3, 1), at, {})
    monitor.judge(_values(5000, start=5000, dimension="campaign"), date(2026, 3, 1), at, {})
    assert len(monitor.series) == 100
    assert monitor.dropped == 10_000 - 100
    monitor.judge(_values(100), date(2026, 3, 2), at, {})  # the admitted ones are still judged
    assert monitor.dropped == 10_000 - 100
    scores = [
        f for f in DetectorCollector(DailyJudge(monitor)).collect() if f.name.endswith("score")
    ]
    labels = {tuple(sorted(s.labels.items())) for f in scores for s in f.samples}
    assert len(labels) <= 100


def _traced_peaks(events: Iterator[Any], apply: Any, checkpoint: int) -> tuple[int, int]:
    """tracemalloc peak after ``checkpoint`` events and after all of them."""
    tracemalloc.start()
    try:
        early = 0
        for i, event in enumerate(events, start=1):
            apply(event)
            if i == checkpoint:
                early = tracemalloc.get_traced_memory()[1]
        return early, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_kpi_memory_is_bounded_when_the_flood_carries_no_team() -> None:
    """The series cap itself holds: 10x the unique keys, (almost) no more memory."""
    engine = _engine()
    at_10k, at_100k = _traced_peaks(flood(100_000, team=False, dims=MEASURED), engine.apply, 10_000)
    assert at_100k < 1.5 * at_10k + 256 * 1024, (at_10k, at_100k)
    assert engine.dropped["rep"] == 100_000 - CAP


def test_kpi_memory_is_bounded_when_the_flood_carries_teams() -> None:
    engine = _engine()
    at_10k, at_100k = _traced_peaks(flood(100_000, team=True, dims=MEASURED), engine.apply, 10_000)
    assert at_100k < 1.5 * at_10k + 256 * 1024, (at_10k, at_100k)


def test_monitor_memory_is_bounded() -> None:
    monitor = KpiMonitor(max_series=100)
    at = datetime(2026, 3, 1, tzinfo=UTC)
    day = date(2026, 3, 1)
    batches = (_values(1000, start=i * 1000) for i in range(100))

    def judge(batch: list[KpiValue]) -> None:
        monitor.judge(batch, day, at, {})

    at_10k, at_100k = _traced_peaks(batches, judge, 10)
    assert at_100k < 1.5 * at_10k + 256 * 1024, (at_10k, at_100k)
    assert len(monitor.series) == 100 and monitor.dropped == 100_000 - 100
