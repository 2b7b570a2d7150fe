"""The detector quality benchmark counts what it says it counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bench.detectors import RunResult, summarise
from detectors.record import AnomalyRecord, fingerprint
from salespulse.simulate.anomalies import Anomaly
from salespulse.simulate.config import AnomalyKind


def _incident(kpi: str, dim: str, key: str, day: int) -> AnomalyRecord:
    at = datetime(2026, 3, day, tzinfo=UTC)
    return AnomalyRecord(
        fingerprint=fingerprint(kpi, dim, key, "7d", "drop"),
        status="firing",
        kpi=kpi,
        dimension=dim,
        key=key,
        window="7d",
        as_of=date(2026, 3, day),
        unit="ratio",
        observed=0.1,
        expected=0.3,
        low=0.2,
        high=None,
        direction="drop",
        severity="warning",
        score=0.7,
        first_seen=at,
        last_seen=at,
    )


LABEL = Anomaly(
    AnomalyKind.WIN_RATE_COLLAPSE,
    "opportunity_win_ratio",
    "rep",
    "r1",
    datetime(2026, 3, 5, tzinfo=UTC),
    datetime(2026, 3, 15, tzinfo=UTC),
)


def _run(anomalous: bool, incidents: list[AnomalyRecord]) -> RunResult:
    labels = (LABEL,) if anomalous else ()
    return RunResult(1, anomalous, labels, tuple(incidents), {"r1": "t1"}, 100, 31, 1000)


def test_counts_recall_delay_counterfactual_precision_and_false_alert_rate() -> None:
    noise = _incident("churn_rate", "region", "south", 2)
    runs = [
        _run(
            True,
            [
                _incident("win_rate", "rep", "r1", 8),  # the label, 3 days in
                _incident("win_rate", "team", "t1", 9),  # caused by it: not in the clean run
                _incident("revenue", "channel", "web", 10),  # caused too (counterfactual)
                noise,  # before the window and in the clean run as well: false
            ],
        ),
        _run(False, [noise]),
    ]
    result = summarise(runs)
    assert result["recall"] == 1.0 and result["median_delay_days"] == 3
    assert result["precision"] == 0.75 and result["strict_precision"] == 0.25
    assert result["entity_precision"] == 0.5
    clean = result["clean"]
    assert clean["incidents"] == 1
    # one incident over 100 series x 30 judged days = 1 per 100 series per 30 days
    assert clean["false_alerts_per_100_series_per_30_days"] == 1.0


def test_a_missed_label_counts_against_recall() -> None:
    result = summarise([_run(True, []), _run(False, [])])
    assert result["recall"] == 0.0 and result["per_kind"]["win_rate_collapse"]["recall"] == 0.0
