"""Builders shared by the security tests: an anomaly record, a JSON API call, a leak scan."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from alerts.api import AlertingState, handle
from detectors.record import AnomalyRecord, fingerprint

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


def call(
    state: AlertingState,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """``handle`` with a JSON body (bytes pass through); the answer must be JSON-able."""
    raw = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
    status, payload = handle(method, path, query or {}, headers or {}, raw, state)
    json.dumps(payload)
    return status, payload


def leaks(secrets: Iterable[str], **texts: str) -> list[tuple[str, str]]:
    """(secret, where) for every secret found in any of the named texts."""
    return [
        (secret, where) for where, text in texts.items() for secret in secrets if secret in text
    ]
