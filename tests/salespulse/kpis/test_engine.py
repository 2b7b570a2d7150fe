"""Engine behaviour the exactness tests do not pin: the series cap, lateness, state size."""

from __future__ import annotations

import json
import pickle
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from salespulse.cli import main
from salespulse.events import event_from_dict
from salespulse.kpis import KpiConfig, KpiEngine, all_values
from salespulse.simulate import SimulationConfig, simulate
from tests.support.examples import example


def _lead(n: int, rep: str, time: str = "2026-03-02T10:00:00+03:00") -> object:
    raw = example("lead.created", n)
    raw["data"].update({"lead_id": f"L{n}", "rep": rep})
    raw["time"] = time
    return event_from_dict(raw)


def test_series_cap_drops_new_keys_and_counts_them() -> None:
    engine = KpiEngine(KpiConfig(max_series_per_dimension=3))
    for n in range(10):
        engine.apply(_lead(n, rep=f"rep-{n}"))  # type: ignore[arg-type]
    reps = [s for s in engine.cells if s[0] == "rep"]
    assert len(reps) == 3
    assert engine.dropped["rep"] == 7
    assert engine.cells[("company", "all")], "the company series is never capped"
    total = sum(c.leads for c in engine.cells[("company", "all")].values())
    assert total == 10, "a dropped dimension does not drop the event"


def test_late_event_changes_nothing() -> None:
    engine = KpiEngine(KpiConfig(grace_seconds=3600))
    assert engine.apply(_lead(1, "a", "2026-03-02T12:00:00+03:00"))  # type: ignore[arg-type]
    assert engine.apply(_lead(2, "a", "2026-03-02T11:30:00+03:00"))  # type: ignore[arg-type]
    before = pickle.dumps(engine.cells)
    assert not engine.apply(_lead(3, "b", "2026-03-02T10:59:59+03:00"))  # type: ignore[arg-type]
    assert engine.late == 1 and pickle.dumps(engine.cells) == before


def test_state_pickles_and_resumes_identically(tmp_path: Path) -> None:
    events = list(simulate(SimulationConfig(seed=2, days=10, scale=0.2)).events)
    half = len(events) // 2
    whole, resumed = KpiEngine(KpiConfig()), KpiEngine(KpiConfig())
    for event in events:
        whole.apply(event)
    for event in events[:half]:
        resumed.apply(event)
    resumed = pickle.loads(pickle.dumps(resumed))
    for event in events[half:]:
        resumed.apply(event)
    assert all_values(resumed, scores=False) == all_values(whole, scores=False)
    assert resumed.cells == whole.cells


def test_backtest_command_prints_every_value_as_json(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    events = simulate(SimulationConfig(seed=1, days=5, scale=0.1)).events
    path.write_bytes(b"".join(e.to_json() + b"\n" for e in events) + b"not json\n")
    result = CliRunner().invoke(main, ["backtest", str(path), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["invalid"] == 1 and body["late"] == 0 and body["as_of"] == "2026-01-05"
    revenue = [k for k in body["kpis"] if k["kpi"] == "revenue" and k["dimension"] == "company"]
    assert {k["window"] for k in revenue} == {"day", "wtd", "7d", "30d", "mtd", "qtd"}
    assert body["calibration"]["n"] > 0


def test_leads_older_than_the_retention_are_forgotten_and_no_others() -> None:
    engine = KpiEngine(KpiConfig(retention_days=120, grace_seconds=0))
    engine.apply(_lead(1, "a", "2026-01-01T10:00:00+03:00"))  # type: ignore[arg-type]
    engine.apply(_lead(2, "a", "2026-03-01T10:00:00+03:00"))  # type: ignore[arg-type]
    engine.apply(_lead(3, "a", "2026-04-30T10:00:00+03:00"))  # type: ignore[arg-type]
    assert set(engine.leads) == {"L1", "L2", "L3"}, "120 days from L1 have not passed"
    engine.apply(_lead(4, "a", "2026-05-02T10:00:00+03:00"))  # type: ignore[arg-type]
    assert set(engine.leads) == {"L2", "L3", "L4"}
    engine.apply(_lead(5, "a", "2026-06-29T10:00:00+03:00"))  # type: ignore[arg-type]
    assert set(engine.leads) == {"L2", "L3", "L4", "L5"}, "L2 is 120 days old, not older"
    engine.apply(_lead(6, "a", "2026-07-01T10:00:00+03:00"))  # type: ignore[arg-type]
    assert set(engine.leads) == {"L3", "L4", "L5", "L6"}


def test_yesterday_is_packed_once_the_grace_has_passed() -> None:
    engine = KpiEngine(KpiConfig())  # 6 h of grace, Europe/Minsk
    company = ("company", "all")
    n = 0
    for day, hours in (("01", range(8, 20)), ("02", range(0, 6))):
        for hour in hours:
            for _ in range(100):
                n += 1
                time = f"2026-03-{day}T{hour:02d}:00:00+03:00"
                engine.apply(_lead(n, "a", time))  # type: ignore[arg-type]
    assert len(engine.cells[company].open) == 2, "within the grace, yesterday stays a cell"
    for _ in range(1100):  # past 06:00: packed by the next settled-day check
        n += 1
        engine.apply(_lead(n, "a", "2026-03-02T06:30:00+03:00"))  # type: ignore[arg-type]
    days = engine.cells[company]
    assert [d.isoformat() for d in days.open] == ["2026-03-02"] and len(days) == 2
    assert sum(c.leads for c in days.values()) == n


def test_settled_days_are_packed_and_late_conversions_land_in_them() -> None:
    engine = KpiEngine(KpiConfig())
    for event in simulate(SimulationConfig(seed=3, days=40, scale=0.2)).events:
        engine.apply(event)
    assert engine.watermark is not None and engine.as_of is not None
    company = engine.cells[("company", "all")]
    # the days an on-time event may still land on stay cells; every earlier day is packed
    assert len(company) >= 40 and 1 <= len(company.open) <= 2
    assert min(company.open) >= engine.as_of - timedelta(days=1)
    converted = sum(lead.converted for lead in engine.leads.values())
    cells = list(company.values())
    assert converted and sum(c.leads_converted for c in cells) == converted
    assert sum(c.leads for c in cells) == len(engine.leads)
