"""AnomalyRecord: a stable fingerprint per series and direction, strict model, JSON round-trip."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from detectors.monitor import KpiMonitor, describe
from detectors.record import (
    AnomalyRecord,
    Contribution,
    DetectorFinding,
    MoneyImpact,
    fingerprint,
)
from salespulse.kpis import KpiValue

SERIES = ("win_rate", "rep", "r2", "7d")


def record(**changes: Any) -> AnomalyRecord:
    fields: dict[str, Any] = {
        "fingerprint": fingerprint(*SERIES, "drop"),
        "status": "firing",
        "kpi": "win_rate",
        "dimension": "rep",
        "key": "r2",
        "window": "7d",
        "as_of": date(2026, 2, 15),
        "unit": "ratio",
        "observed": 0.05,
        "expected": 0.3,
        "low": 0.12,
        "high": 0.5,
        "direction": "drop",
        "severity": "warning",
        "score": 0.71,
        "detectors": (DetectorFinding(name="rolling_window", score=0.71, reason="2/40"),),
        "money_impact": MoneyImpact(amount=Decimal("-1234.50"), currency="BYN"),
        "drilldown": (
            Contribution(
                dimension="rep", key="r2", observed=0.05, expected=0.3, delta=-0.25, share=0.97
            ),
        ),
        "labels": {"kpi": "win_rate", "team": "t1", "rep": "r2"},
        "first_seen": datetime(2026, 2, 15, tzinfo=UTC),
        "last_seen": datetime(2026, 2, 16, tzinfo=UTC),
    }
    fields.update(changes)
    return AnomalyRecord(**fields)


def test_fingerprint_is_sixteen_hex_digits_of_the_series_and_direction() -> None:
    expected = hashlib.sha256("win_rate\x1frep\x1fr2\x1f7d\x1fdrop".encode()).hexdigest()[:16]
    assert fingerprint(*SERIES, "drop") == expected
    assert fingerprint(*SERIES, "drop") == "60fa67425da8ee65"  # stable across releases


def test_fingerprint_differs_by_direction_and_by_every_part_of_the_series() -> None:
    base = fingerprint(*SERIES, "drop")
    assert fingerprint(*SERIES, "spike") != base
    for i, other in enumerate(("churn_rate", "team", "r3", "30d")):
        parts = list(SERIES)
        parts[i] = other
        assert fingerprint(*parts, "drop") != base  # type: ignore[arg-type]


def test_fingerprint_parts_cannot_run_into_each_other() -> None:
    assert fingerprint("ab", "c", "k", "7d", "drop") != fingerprint("a", "bc", "k", "7d", "drop")


def test_one_incident_keeps_its_fingerprint_while_value_severity_and_time_move() -> None:
    """Through the monitor: a win rate at 10 % then at 0 (info, then warning), then normal."""
    monitor, start = KpiMonitor(), date(2026, 1, 1)
    records = []
    for offset in range(56):
        day = start + timedelta(days=offset)
        won = {45: 60, 46: 60, 47: 0, 48: 0}.get(offset, 180)
        value = KpiValue(*SERIES[:2], SERIES[2], SERIES[3], day, won / 600, won, 600)
        at = datetime.combine(day, datetime.min.time(), UTC)
        records += monitor.judge([value], day, at, {"r2": "t1"})
    firing = [r for r in records if r.status == "firing"]
    assert len(firing) >= 2 and any(r.status == "resolved" for r in records)
    assert {r.fingerprint for r in records} == {fingerprint(*SERIES, "drop")}
    assert len({r.observed for r in firing}) >= 2
    assert len({r.severity for r in firing}) >= 2
    assert len({r.last_seen for r in records}) == len(records)
    assert {r.first_seen for r in records} == {records[0].first_seen}


@pytest.mark.parametrize(
    "changes",
    [
        {"fingerprint": "81E1C1CE58B1B9F4"},
        {"fingerprint": "81e1c1ce58b1b9f"},
        {"fingerprint": "81e1c1ce58b1b9f4a"},
        {"fingerprint": "81e1c1ce58b1b9fg"},
        {"score": 1.0001},
        {"score": -0.1},
        {"status": "pending"},
        {"direction": "flat"},
        {"severity": "page"},
        {"unit": "euros"},
        {"owner": "someone"},
    ],
)
def test_the_model_rejects_bad_fields(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        record(**changes)


@pytest.mark.parametrize(
    "model,fields",
    [
        (DetectorFinding, {"name": "x", "score": 1.5, "reason": ""}),
        (MoneyImpact, {"amount": Decimal(1), "currency": "byn"}),
        (Contribution, {"dimension": "rep", "key": "r", "observed": 1, "expected": 1}),
    ],
)
def test_the_nested_models_are_strict(model: type[Any], fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        model(**fields)


def test_the_record_is_frozen() -> None:
    with pytest.raises(ValidationError):
        record().score = 0.9  # type: ignore[misc]


def test_json_round_trip_is_exact() -> None:
    original = record()
    text = original.model_dump_json()
    again = AnomalyRecord.model_validate_json(text)
    assert again == original
    assert again.money_impact is not None and again.money_impact.amount == Decimal("-1234.50")
    assert isinstance(again.detectors, tuple) and isinstance(again.drilldown, tuple)
    assert again.first_seen.tzinfo is not None


def test_describe_is_the_json_form() -> None:
    data = describe(record(money_impact=None, observed=None, drilldown=()))
    assert data["as_of"] == "2026-02-15" and data["observed"] is None
    assert data["first_seen"].startswith("2026-02-15T00:00:00")
    assert AnomalyRecord.model_validate(data) == record(
        money_impact=None, observed=None, drilldown=()
    )
