from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from detectors.monitor import KpiMonitor
from detectors.record import AnomalyRecord
from salespulse.kpis import KpiConfig, KpiValue, backtest
from salespulse.simulate import SimulationConfig, simulate

START = date(2026, 1, 1)
TEAM = {"r1": "t1", "r2": "t1", "r3": "t1", "r4": "t1"}


def _win_rate(dim: str, key: str, won: int, closed: int, day: date) -> KpiValue:
    return KpiValue("win_rate", dim, key, "7d", day, won / closed, won, closed)


def _day(monitor: KpiMonitor, offset: int, collapse: bool) -> list[AnomalyRecord]:
    day = START + timedelta(days=offset)
    reps = {r: (18, 60) for r in TEAM}
    if collapse:
        reps["r2"] = (2, 60)
    values = [_win_rate("rep", r, w, n, day) for r, (w, n) in reps.items()]
    won, closed = sum(w for w, _ in reps.values()), sum(n for _, n in reps.values())
    values.append(_win_rate("team", "t1", won, closed, day))
    return monitor.judge(values, day, datetime.combine(day, datetime.min.time(), UTC), TEAM)


def test_a_collapse_of_one_rep_is_one_incident_with_the_team_drilldown_naming_it() -> None:
    monitor = KpiMonitor()
    records = [r for offset in range(60) for r in _day(monitor, offset, 45 <= offset < 52)]
    firing = [r for r in records if r.status == "firing"]
    assert {(r.dimension, r.key) for r in firing} <= {("rep", "r2"), ("team", "t1")}
    rep = [r for r in firing if r.key == "r2"]
    assert len({r.fingerprint for r in rep}) == 1 and rep[0].direction == "drop"
    assert rep[0].first_seen.date() == START + timedelta(days=45)
    assert rep[0].drilldown[0].key == "r2" and rep[0].drilldown[0].share > 0.9
    assert rep[0].labels["team"] == "t1" and rep[0].labels["rep"] == "r2"
    resolved = [r for r in records if r.status == "resolved" and r.key == "r2"]
    assert len(resolved) == 1 and resolved[0].fingerprint == rep[0].fingerprint


def test_a_steady_series_never_fires_and_good_news_is_not_an_anomaly() -> None:
    monitor = KpiMonitor()
    found = []
    for offset in range(70):
        day = START + timedelta(days=offset)
        churn = 10 if offset < 50 else 2  # churn falling is good news
        values = [
            KpiValue("churn_rate", "region", "a", "7d", day, churn / 1000, churn, 1000),
            KpiValue("revenue", "company", "all", "7d", day, 1000.0 + offset % 3, 1000, None),
        ]
        found += monitor.judge(values, day, datetime.combine(day, datetime.min.time(), UTC), {})
    assert found == []


def test_series_cap_counts_what_it_drops() -> None:
    monitor = KpiMonitor(max_series=1)
    day = START
    values = [_win_rate("rep", "a", 1, 2, day), _win_rate("rep", "b", 1, 2, day)]
    monitor.judge(values, day, datetime.combine(day, datetime.min.time(), UTC), {})
    assert len(monitor.series) == 1 and monitor.dropped == 1


def test_backtest_with_detection_reports_records_of_closed_days_only() -> None:
    events = simulate(SimulationConfig(seed=9, days=45, scale=0.3)).events
    result = backtest(events, KpiConfig(), scores=False, detect=True)
    assert result.as_of is not None
    for record in result.anomalies:
        assert record.as_of < result.as_of and 0.5 <= record.score <= 1
        assert record.direction in ("drop", "spike")
    assert "anomalies" in result.to_dict()


def test_the_river_ensemble_can_be_chosen_per_kpi_in_yaml(tmp_path) -> None:
    from detectors.policy import load_policy

    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("kpis: {revenue: {method: ensemble, profile: money, window: day}}\n")
    monitor = KpiMonitor(load_policy(policy_file))
    found = []
    for offset in range(60):
        day = START + timedelta(days=offset)
        level = 1000.0 if offset < 50 else 100.0
        value = KpiValue("revenue", "company", "all", "day", day, level + offset % 3, level, None)
        found += monitor.judge([value], day, datetime.combine(day, datetime.min.time(), UTC), {})
    state = monitor.series[("revenue", "company", "all", "day")]
    assert state is not None and type(state.detectors[0]).__name__ == "Ensemble"
    assert [r.first_seen.date() for r in found if r.status == "firing"][:1] == [
        START + timedelta(days=50)
    ], "a drop to a tenth fires on its first day (critical at once)"


def test_state_bytes_is_measured_once_per_judged_day(monkeypatch) -> None:
    import pickle

    monitor = KpiMonitor()
    for offset in range(3):
        _day(monitor, offset, collapse=False)
    calls = []
    dumps = pickle.dumps
    monkeypatch.setattr(pickle, "dumps", lambda obj, *a, **k: calls.append(obj) or dumps(obj))
    first = monitor.state_bytes()
    assert calls and first == monitor.state_bytes() and len(calls) == len(monitor.series)
    first.clear()  # a caller's copy: the cache is not theirs to change
    assert monitor.state_bytes() != {}
    before = monitor.state_bytes()["RollingWindow"]
    for offset in range(3, 20):
        _day(monitor, offset, collapse=False)
    assert monitor.state_bytes()["RollingWindow"] > before  # the window filled: re-measured
