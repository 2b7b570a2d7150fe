"""An anomaly record as the detectors publish it: a win-rate drop of one rep in ``t-east``."""

from __future__ import annotations

from datetime import UTC, date, datetime

from detectors.record import AnomalyRecord, Contribution, fingerprint

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def anomaly(rep: str, status: str = "firing", severity: str = "critical") -> AnomalyRecord:
    """A win-rate drop of one rep in team ``t-east`` (what the detectors publish)."""
    return AnomalyRecord(
        fingerprint=fingerprint("win_rate", "rep", rep, "7d", "drop"),
        status=status,  # type: ignore[arg-type]
        kpi="win_rate",
        dimension="rep",
        key=rep,
        window="7d",
        as_of=date(2026, 3, 1),
        unit="ratio",
        observed=0.04,
        expected=0.3,
        low=0.12,
        high=None,
        direction="drop",
        severity=severity,  # type: ignore[arg-type]
        score=0.95,
        drilldown=(
            Contribution(
                dimension="rep", key=rep, observed=0.04, expected=0.3, delta=-0.26, share=0.9
            ),
        ),
        labels={
            "kpi": "win_rate",
            "dimension": "rep",
            "key": rep,
            "window": "7d",
            "severity": severity,
            "rep": rep,
            "team": "t-east",
        },
        first_seen=NOW,
        last_seen=NOW,
    )
