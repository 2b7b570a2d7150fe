"""DailyJudge: a local day is judged once it is closed for good, each day once and in order;
judged_values: the values of the judged windows as of that day."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from detectors.daily import DailyJudge
from detectors.monitor import KpiMonitor
from detectors.record import AnomalyRecord
from salespulse.events import SalesEvent, event_from_dict
from salespulse.kpis import KpiConfig, KpiEngine, KpiValue, all_values
from salespulse.kpis.compute import judged_values
from salespulse.simulate import SimulationConfig, simulate
from tests.support.examples import example

MINSK = ZoneInfo("Europe/Minsk")
GRACE = 3600.0


@dataclass
class SpyMonitor(KpiMonitor):
    """The real monitor, recording each day it is asked to judge."""

    calls: list[tuple[date, datetime, set[date], set[str]]] = field(default_factory=list)

    def judge(
        self, values: Iterable[KpiValue], day: date, at: datetime, rep_team: Mapping[str, str]
    ) -> list[AnomalyRecord]:
        values = list(values)
        self.calls.append((day, at, {v.as_of for v in values}, {v.window for v in values}))
        return super().judge(values, day, at, rep_team)

    @property
    def days(self) -> list[date]:
        return [day for day, *_ in self.calls]


class Orders:
    """order.placed events with unique ids at chosen moments."""

    def __init__(self) -> None:
        self.n = 0

    def at(self, moment: datetime) -> SalesEvent:
        self.n += 1
        raw = example("order.placed", self.n)
        raw["data"]["order_id"] = f"S{self.n}"
        raw["time"] = moment.isoformat()
        return event_from_dict(raw)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=MINSK)


@pytest.fixture
def engine() -> KpiEngine:
    return KpiEngine(KpiConfig(grace_seconds=GRACE))


@pytest.fixture
def monitor() -> SpyMonitor:
    return SpyMonitor()


MARCH_2 = date(2026, 3, 2)


def test_nothing_is_closed_before_the_first_event(engine: KpiEngine, monitor: SpyMonitor) -> None:
    judge = DailyJudge(monitor)
    assert judge.closed_until(engine) is None and not judge.due(engine)
    assert judge.judge(engine) == [] and monitor.days == []


def test_a_day_is_judged_only_once_the_watermark_passes_its_end_plus_grace(
    engine: KpiEngine, monitor: SpyMonitor
) -> None:
    judge, orders = DailyJudge(monitor), Orders()
    engine.apply(orders.at(local(MARCH_2, 10)))
    judge.judge(engine)
    engine.apply(orders.at(local(MARCH_2, 23, 59)))
    judge.judge(engine)
    engine.apply(orders.at(local(MARCH_2 + timedelta(days=1), 0, 59)))  # midnight + 59 min
    judge.judge(engine)
    assert monitor.days == [] and judge.last_judged is None
    assert judge.closed_until(engine) == MARCH_2 - timedelta(days=1)
    engine.apply(orders.at(local(MARCH_2 + timedelta(days=1), 1, 0)))  # midnight + grace
    assert judge.closed_until(engine) == MARCH_2 and judge.due(engine)
    judge.judge(engine)
    assert monitor.days == [MARCH_2] and judge.last_judged == MARCH_2
    day, at, as_of, windows = monitor.calls[0]
    assert at == local(MARCH_2, 0) and as_of == {MARCH_2}
    assert windows <= monitor.windows and "7d" in windows


def test_the_day_closes_in_the_engine_time_zone_whatever_the_event_offset(
    engine: KpiEngine, monitor: SpyMonitor
) -> None:
    judge, orders = DailyJudge(monitor), Orders()
    engine.apply(orders.at(local(MARCH_2, 10)))
    engine.apply(orders.at(datetime.fromisoformat("2026-03-02T21:59:00+00:00")))  # 00:59 local
    assert judge.closed_until(engine) == date(2026, 3, 1)
    engine.apply(orders.at(datetime.fromisoformat("2026-03-02T22:00:00+00:00")))  # 01:00 local
    assert judge.closed_until(engine) == MARCH_2


def test_each_day_is_judged_exactly_once(engine: KpiEngine, monitor: SpyMonitor) -> None:
    judge, orders = DailyJudge(monitor), Orders()
    engine.apply(orders.at(local(MARCH_2, 10)))
    engine.apply(orders.at(local(MARCH_2 + timedelta(days=1), 12)))
    judge.judge(engine)
    assert not judge.due(engine)
    assert judge.judge(engine) == [] and judge.judge(engine) == []
    engine.apply(orders.at(local(MARCH_2 + timedelta(days=1), 18)))  # same day: nothing new
    assert not judge.due(engine) and judge.judge(engine) == []
    assert monitor.days == [MARCH_2]


def test_due_turns_true_exactly_when_the_next_day_closes(
    engine: KpiEngine, monitor: SpyMonitor
) -> None:
    judge, orders = DailyJudge(monitor), Orders()
    engine.apply(orders.at(local(MARCH_2, 10)))
    engine.apply(orders.at(local(date(2026, 3, 3), 1)))
    judge.judge(engine)
    engine.apply(orders.at(local(date(2026, 3, 4), 0, 59)))
    assert not judge.due(engine)
    engine.apply(orders.at(datetime.fromisoformat("2026-03-03T22:00:00+00:00")))  # 01:00 local
    assert judge.due(engine)
    judge.judge(engine)
    assert monitor.days == [MARCH_2, date(2026, 3, 3)] and not judge.due(engine)


@pytest.mark.parametrize(
    "first,moment",
    [
        (date(2026, 10, 23), "2026-10-25T04:30:00+00:00"),
        (date(2026, 3, 27), "2026-03-29T04:30:00+00:00"),
    ],
)
def test_due_agrees_with_closed_until_when_the_clocks_change(first: date, moment: str) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    engine, orders = KpiEngine(KpiConfig(timezone="Europe/Berlin")), Orders()
    judge = DailyJudge(SpyMonitor())
    engine.apply(orders.at(datetime.combine(first, time(10), tzinfo=berlin)))
    engine.apply(orders.at(datetime.combine(first + timedelta(days=1), time(7), tzinfo=berlin)))
    judge.judge(engine)
    assert judge.last_judged == first
    engine.apply(orders.at(datetime.fromisoformat(moment)))
    closed = judge.closed_until(engine)
    assert closed is not None and judge.due(engine) == (closed > first)


def test_a_closed_day_is_final_its_late_events_are_refused(
    engine: KpiEngine, monitor: SpyMonitor
) -> None:
    judge, orders = DailyJudge(monitor), Orders()
    engine.apply(orders.at(local(MARCH_2, 10)))
    engine.apply(orders.at(local(MARCH_2 + timedelta(days=1), 1)))
    judge.judge(engine)
    assert not engine.apply(orders.at(local(MARCH_2, 23, 30))) and engine.late == 1
    assert not judge.due(engine)


def test_several_closed_days_are_caught_up_in_order_in_one_call(
    engine: KpiEngine, monitor: SpyMonitor
) -> None:
    judge, orders = DailyJudge(monitor), Orders()
    engine.apply(orders.at(local(MARCH_2, 10)))
    engine.apply(orders.at(local(date(2026, 3, 7), 12)))  # a quiet stretch, then one event
    judge.judge(engine)
    assert monitor.days == [MARCH_2 + timedelta(days=i) for i in range(5)]
    assert all(as_of == {day} for day, _, as_of, _ in monitor.calls)
    assert judge.last_judged == date(2026, 3, 6)
    engine.apply(orders.at(local(date(2026, 3, 9), 2)))
    judge.judge(engine)
    assert monitor.days[5:] == [date(2026, 3, 7), date(2026, 3, 8)]


def test_nothing_is_due_before_the_first_day_closes(engine: KpiEngine, monitor: SpyMonitor) -> None:
    judge = DailyJudge(monitor)
    engine.apply(Orders().at(local(MARCH_2, 10)))
    assert judge.closed_until(engine) == date(2026, 3, 1) < engine.first_day  # type: ignore[operator]
    assert not judge.due(engine)


def test_the_first_day_moved_back_by_an_on_time_event_closes_earlier(
    engine: KpiEngine, monitor: SpyMonitor
) -> None:
    """Before any day is judged, ``due`` follows the engine's first day wherever it moves."""
    judge, orders = DailyJudge(monitor), Orders()
    engine.apply(orders.at(local(MARCH_2, 0, 10)))
    assert not judge.due(engine)
    engine.apply(orders.at(local(MARCH_2 - timedelta(days=1), 23, 50)))  # within the grace
    assert engine.first_day == MARCH_2 - timedelta(days=1) and not judge.due(engine)
    engine.apply(orders.at(local(MARCH_2, 0, 59)))
    assert not judge.due(engine)
    engine.apply(orders.at(local(MARCH_2, 1)))  # March 1st is over, grace included
    assert judge.due(engine)
    judge.judge(engine)
    assert monitor.days == [MARCH_2 - timedelta(days=1)] and not judge.due(engine)


def _closed_since(judge: DailyJudge, engine: KpiEngine) -> bool:
    """``due`` by its definition: a day after the last judged (or the first) is over."""
    closed = judge.closed_until(engine)
    if closed is None or engine.first_day is None:
        return False
    return closed > judge.last_judged if judge.last_judged else closed >= engine.first_day


@pytest.fixture(scope="module")
def simulated() -> list[SalesEvent]:
    return list(simulate(SimulationConfig(seed=3, days=12, scale=0.2)).events)


def test_a_simulated_stream_judges_every_closed_day_once_in_order(
    simulated: list[SalesEvent], monitor: SpyMonitor
) -> None:
    """Driven as the backtest and the worker drive it: ``due`` after each event."""
    events = simulated
    engine, judge = KpiEngine(KpiConfig()), DailyJudge(monitor)
    records: list[AnomalyRecord] = []
    for event in events:
        engine.apply(event)
        due = judge.due(engine)
        assert due == _closed_since(judge, engine), event
        if due:
            records.extend(judge.judge(engine))
    closed = judge.closed_until(engine)
    assert engine.first_day is not None and closed is not None and engine.as_of is not None
    span = (closed - engine.first_day).days + 1
    assert span >= 11
    assert monitor.days == [engine.first_day + timedelta(days=i) for i in range(span)]
    assert closed < engine.as_of, "the day still open is not judged"
    assert all(as_of <= {day} for day, _, as_of, _ in monitor.calls)
    assert all(r.as_of <= closed for r in records)


@pytest.mark.parametrize(
    "windows",
    [{"7d"}, {"7d", "30d", "now", "mtd"}, {"qtd", "period"}, {"day", "wtd"}],
    ids=lambda w: "+".join(sorted(w)),
)
def test_judged_values_are_all_values_of_the_judged_windows(
    simulated: list[SalesEvent], windows: set[str]
) -> None:
    engine = KpiEngine(KpiConfig())
    for event in simulated:
        engine.apply(event)
    assert engine.as_of is not None and engine.targets
    day = engine.as_of - timedelta(days=3)
    expected = [v for v in all_values(engine, day, scores=False) if v.window in windows]
    assert expected and judged_values(engine, day, windows) == expected
