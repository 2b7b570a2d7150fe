"""The alert: one per fingerprint, built from the anomaly records that name it.

``Alert`` is the mutable entry the ``AlertBook`` keeps (latest record, lifecycle times,
mute marks, a bounded history); ``AlertSnapshot`` is the frozen copy a ``Notification``
carries, so a notification never changes after it is made.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from alerts.timeutil import from_iso, to_iso
from detectors.record import AnomalyRecord, Status

__all__ = ["Alert", "AlertSnapshot", "StateChange", "alert_labels"]

HISTORY_LIMIT = 32


def alert_labels(record: AnomalyRecord) -> dict[str, str]:
    """The record's labels plus the series, severity, direction, unit and status."""
    labels = dict(record.labels)
    labels.update(
        kpi=record.kpi,
        dimension=record.dimension,
        key=record.key,
        window=record.window,
        severity=record.severity,
        direction=record.direction,
        unit=record.unit,
        status=record.status,
    )
    return labels


@dataclass(frozen=True)
class StateChange:
    """One line of an alert's history: ``firing``, ``resolved``, ``severity``, ``silenced`` …"""

    at: datetime
    event: str
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"at": to_iso(self.at), "event": self.event, "detail": self.detail}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> StateChange:
        return cls(from_iso(data["at"]), data["event"], data.get("detail", ""))


@dataclass(frozen=True)
class AlertSnapshot:
    """What a notification says about one alert, frozen at the moment it was made."""

    fingerprint: str
    status: Status
    labels: dict[str, str]
    record: AnomalyRecord
    starts_at: datetime
    ends_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "status": self.status,
            "labels": dict(self.labels),
            "record": self.record.model_dump(mode="json"),
            "starts_at": to_iso(self.starts_at),
            "ends_at": to_iso(self.ends_at) if self.ends_at else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AlertSnapshot:
        return cls(
            fingerprint=data["fingerprint"],
            status=data["status"],
            labels=dict(data["labels"]),
            record=AnomalyRecord.model_validate(data["record"]),
            starts_at=from_iso(data["starts_at"]),
            ends_at=from_iso(data["ends_at"]) if data.get("ends_at") else None,
        )


@dataclass
class Alert:
    """The book's entry for one fingerprint; ``record`` is the latest one applied."""

    record: AnomalyRecord
    updated_at: datetime
    resolved_at: datetime | None = None
    silenced_by: tuple[str, ...] = ()
    inhibited_by: str | None = None
    history: deque[StateChange] = field(default_factory=lambda: deque(maxlen=HISTORY_LIMIT))
    _labels: tuple[AnomalyRecord, dict[str, str]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def fingerprint(self) -> str:
        return self.record.fingerprint

    @property
    def status(self) -> Status:
        return self.record.status

    @property
    def labels(self) -> dict[str, str]:
        """Built once per record (matching reads them often); treat as read-only."""
        if self._labels is None or self._labels[0] is not self.record:
            self._labels = (self.record, alert_labels(self.record))
        return self._labels[1]

    @property
    def muted(self) -> bool:
        return bool(self.silenced_by) or self.inhibited_by is not None

    def note(self, at: datetime, event: str, detail: str = "") -> None:
        self.history.append(StateChange(at, event, detail))

    def snapshot(self) -> AlertSnapshot:
        return AlertSnapshot(
            fingerprint=self.fingerprint,
            status=self.status,
            labels=dict(self.labels),
            record=self.record,
            starts_at=self.record.first_seen,
            ends_at=self.resolved_at,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: the ``GET /alerts`` item and the book's snapshot entry."""
        return {
            "fingerprint": self.fingerprint,
            "status": self.status,
            "labels": dict(self.labels),
            "starts_at": to_iso(self.record.first_seen),
            "last_seen": to_iso(self.record.last_seen),
            "updated_at": to_iso(self.updated_at),
            "resolved_at": to_iso(self.resolved_at) if self.resolved_at else None,
            "silenced_by": list(self.silenced_by),
            "inhibited_by": self.inhibited_by,
            "history": [change.to_dict() for change in self.history],
            "record": self.record.model_dump(mode="json"),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Alert:
        resolved = data.get("resolved_at")
        alert = cls(
            record=AnomalyRecord.model_validate(data["record"]),
            updated_at=from_iso(data["updated_at"]),
            resolved_at=from_iso(resolved) if resolved else None,
            silenced_by=tuple(data.get("silenced_by", ())),
            inhibited_by=data.get("inhibited_by"),
        )
        alert.history.extend(StateChange.from_dict(c) for c in data.get("history", ()))
        return alert
