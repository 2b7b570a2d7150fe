from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest

from detectors.monitor import SeriesMonitor
from salespulse.kpis import KpiConfig, KpiValue, backtest
from salespulse.simulate import SimulationConfig, simulate


def _value(key: str, value: float, day: int) -> KpiValue:
    return KpiValue("revenue", "rep", key, "day", date(2026, 1, day), value, value, None)


def test_a_step_on_one_series_is_reported_with_its_series() -> None:
    monitor = SeriesMonitor()
    found = []
    for day in range(1, 29):
        at = datetime(2026, 1, day, tzinfo=UTC)
        level = 1000.0 if day < 25 else 200.0
        values = [_value("a", level * (1 + 0.01 * (day % 3)), day), _value("b", 1000.0, day)]
        found.extend(monitor.observe(values, at))
    assert found, "a drop to a fifth fires"
    assert {a.key for a in found} == {"a"} and found[0].verdict.direction == "drop"
    assert found[0].time.day == 25


def test_series_cap_counts_what_it_drops() -> None:
    monitor = SeriesMonitor(max_series=1)
    monitor.observe([_value("a", 1.0, 1), _value("b", 1.0, 1)], datetime(2026, 1, 1, tzinfo=UTC))
    assert len(monitor.ensembles) == 1 and monitor.dropped == 1
    with pytest.raises(ValueError):
        SeriesMonitor(max_series=0)


def test_backtest_with_detection_reports_well_formed_anomalies() -> None:
    events = simulate(SimulationConfig(seed=9, days=30, scale=0.3)).events
    result = backtest(events, KpiConfig(), scores=False, detect=True)
    assert result.anomalies, "the daily series of a month of simulated sales are judged"
    for anomaly in result.anomalies:
        record = anomaly.to_dict()
        assert 0.5 <= record["score"] <= 1 and math.isfinite(record["observed"])
        assert record["direction"] in ("drop", "spike") and record["window"] == "day"
    assert "anomalies" in result.to_dict()
