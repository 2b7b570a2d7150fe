"""What the dispatcher hands to channels: one message about one group of alerts.

``notification_id`` is a sha256 of the subscription, the group key, the reason, the
group's ``sequence`` number and each alert's fingerprint, status and ``last_seen``: the
same decision made again after a restart (from a snapshot taken before it was sent) gets
the same id, so the Kafka wiring can drop the duplicate. The sequence tells apart two
repeats of unchanged alerts (``renotify_change: 0``), which would otherwise share an id.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from alerts.model import AlertSnapshot
from alerts.timeutil import from_iso, to_iso
from detectors.record import SEVERITY_RANK, Severity

__all__ = ["Notification", "NotifyReason"]


class NotifyReason(enum.StrEnum):
    """Why a notification went out (Alertmanager's ``NotifyReason`` idea)."""

    FIRING = "firing"  # first message of a group
    UPDATE = "update"  # alerts joined, resolved, or got more severe in a group already told
    REPEAT = "repeat"  # nothing new, but repeat_interval passed and the value moved
    RESOLVED = "resolved"  # every alert of the group told before is now resolved


@dataclass(frozen=True)
class Notification:
    subscription_id: str
    group_key: str
    group_labels: dict[str, str]
    alerts: tuple[AlertSnapshot, ...]
    reason: NotifyReason
    created_at: datetime
    sequence: int = 0

    @property
    def notification_id(self) -> str:
        digest = hashlib.sha256()
        for part in (self.subscription_id, self.group_key, self.reason.value, str(self.sequence)):
            digest.update(part.encode())
            digest.update(b"\x1f")
        for alert in sorted(self.alerts, key=lambda a: a.fingerprint):
            line = f"{alert.fingerprint}|{alert.status}|{to_iso(alert.record.last_seen)}"
            digest.update(line.encode())
            digest.update(b"\x1e")
        return digest.hexdigest()

    @property
    def status(self) -> Literal["firing", "resolved"]:
        """``firing`` while any alert in it fires (the webhook payload's status)."""
        return "firing" if self.firing else "resolved"

    @property
    def firing(self) -> tuple[AlertSnapshot, ...]:
        return tuple(a for a in self.alerts if a.status == "firing")

    @property
    def resolved(self) -> tuple[AlertSnapshot, ...]:
        return tuple(a for a in self.alerts if a.status == "resolved")

    @property
    def severity(self) -> Severity:
        """The highest severity among the alerts (of the firing ones while any fire)."""
        pool = self.firing or self.alerts
        return max((a.record.severity for a in pool), key=SEVERITY_RANK.__getitem__)

    def to_dict(self) -> dict[str, Any]:
        return {
            "notification_id": self.notification_id,
            "subscription_id": self.subscription_id,
            "group_key": self.group_key,
            "group_labels": dict(self.group_labels),
            "alerts": [alert.to_dict() for alert in self.alerts],
            "reason": self.reason.value,
            "created_at": to_iso(self.created_at),
            "sequence": self.sequence,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Notification:
        return cls(
            subscription_id=data["subscription_id"],
            group_key=data["group_key"],
            group_labels=dict(data["group_labels"]),
            alerts=tuple(AlertSnapshot.from_dict(a) for a in data["alerts"]),
            reason=NotifyReason(data["reason"]),
            created_at=from_iso(data["created_at"]),
            sequence=int(data.get("sequence", 0)),
        )
