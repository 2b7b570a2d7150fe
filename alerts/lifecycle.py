"""The alert book: one ``Alert`` per fingerprint, updated by each anomaly record.

Records of one incident arrive once per judged day while it fires, then one ``resolved``.
The book keeps the latest record, notes each state change (firing, resolved, a new
severity, muted/unmuted) in a bounded history, ignores records older than the one it has,
and forgets resolved alerts after ``resolved_retention`` seconds. Its state is a JSON-able
dict (``to_dict``/``from_dict``) so the wiring can snapshot it beside the dispatcher's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from alerts.model import Alert
from detectors.record import AnomalyRecord, Severity, Status

__all__ = ["AlertBook"]


class AlertBook:
    """Alerts by fingerprint, bounded by retention of resolved ones and ``max_alerts``."""

    def __init__(self, resolved_retention: float = 7 * 86400, max_alerts: int = 50_000) -> None:
        if resolved_retention < 0:
            raise ValueError(f"resolved_retention must be >= 0, got {resolved_retention}")
        if max_alerts < 1:
            raise ValueError(f"max_alerts must be >= 1, got {max_alerts}")
        self.resolved_retention = resolved_retention
        self.max_alerts = max_alerts
        self._alerts: dict[str, Alert] = {}

    def __len__(self) -> int:
        return len(self._alerts)

    def __iter__(self) -> Iterator[Alert]:
        return iter(list(self._alerts.values()))

    def get(self, fingerprint: str) -> Alert | None:
        return self._alerts.get(fingerprint)

    def firing(self) -> list[Alert]:
        return [alert for alert in self._alerts.values() if alert.status == "firing"]

    def apply(self, record: AnomalyRecord, now: datetime) -> Alert:
        """Fold one record into its alert; a record older than the alert's is ignored."""
        alert = self._alerts.get(record.fingerprint)
        if alert is None:
            alert = Alert(record=record, updated_at=now)
            self._alerts[record.fingerprint] = alert
            alert.note(now, record.status, f"severity {record.severity}")
            self._settle(alert)
            if len(self._alerts) > self.max_alerts:
                self.gc(now)
            return alert
        if record.last_seen < alert.record.last_seen:
            return alert
        self._transition(alert, record, now)
        return alert

    def _transition(self, alert: Alert, record: AnomalyRecord, now: datetime) -> None:
        before = alert.record
        alert.record = record
        alert.updated_at = now
        if before.status != record.status:
            alert.note(now, record.status, f"severity {record.severity}")
        elif record.severity != before.severity:
            alert.note(now, "severity", f"{before.severity} -> {record.severity}")
        self._settle(alert)

    @staticmethod
    def _settle(alert: Alert) -> None:
        resolved = alert.status == "resolved"
        alert.resolved_at = (alert.resolved_at or alert.record.last_seen) if resolved else None

    def set_muted(
        self,
        fingerprint: str,
        silenced_by: tuple[str, ...],
        inhibited_by: str | None,
        now: datetime,
    ) -> bool:
        """Record the alert's mute state; True (and a history line) when it changed."""
        alert = self._alerts.get(fingerprint)
        if alert is None or (alert.silenced_by, alert.inhibited_by) == (silenced_by, inhibited_by):
            return False
        if silenced_by != alert.silenced_by:
            event = "silenced" if silenced_by else "unsilenced"
            alert.note(now, event, ",".join(silenced_by or alert.silenced_by))
        if inhibited_by != alert.inhibited_by:
            event = "inhibited" if inhibited_by else "uninhibited"
            alert.note(now, event, inhibited_by or alert.inhibited_by or "")
        alert.silenced_by, alert.inhibited_by = silenced_by, inhibited_by
        return True

    def query(
        self,
        *,
        status: Status | None = None,
        kpi: str | None = None,
        dimension: str | None = None,
        key: str | None = None,
        severity: Severity | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[Alert]:
        """Newest first (by ``last_seen``); ``since`` keeps alerts seen at or after it."""
        wanted = {"status": status, "kpi": kpi, "dimension": dimension, "key": key}
        wanted["severity"] = severity
        found = [
            alert
            for alert in self._alerts.values()
            if all(v is None or getattr(alert.record, k) == v for k, v in wanted.items())
            and (since is None or alert.record.last_seen >= since)
        ]
        found.sort(key=lambda alert: (alert.record.last_seen, alert.fingerprint), reverse=True)
        return found[: max(limit, 0)]

    def gc(self, now: datetime) -> int:
        """Forget resolved alerts past retention, then the oldest ones over ``max_alerts``."""
        horizon = now - timedelta(seconds=self.resolved_retention)
        stale = [
            fp
            for fp, alert in self._alerts.items()
            if alert.status == "resolved" and alert.updated_at < horizon
        ]
        for fp in stale:
            del self._alerts[fp]
        excess = len(self._alerts) - self.max_alerts
        if excess > 0:
            order = sorted(self._alerts.values(), key=_eviction_order)
            for alert in order[:excess]:
                del self._alerts[alert.fingerprint]
        return len(stale) + max(excess, 0)

    def to_dict(self) -> dict[str, Any]:
        return {"alerts": [alert.to_dict() for alert in self._alerts.values()]}

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], resolved_retention: float = 7 * 86400, max_alerts: int = 50_000
    ) -> AlertBook:
        book = cls(resolved_retention, max_alerts)
        for item in data.get("alerts", ()):
            alert = Alert.from_dict(item)
            book._alerts[alert.fingerprint] = alert
        return book


def _eviction_order(alert: Alert) -> tuple[int, datetime]:
    """Resolved alerts go first, then the least recently updated."""
    return (0 if alert.status == "resolved" else 1, alert.updated_at)
