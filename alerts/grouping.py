"""Aggregation groups: the alerts of one subscription that share the ``group_by`` labels.

A group remembers only what it needs to decide the next message (Alertmanager's
notification log, per group): its member fingerprints, what each firing alert looked like
when last told (observed value, severity), the alerts held during quiet hours, when it may
flush next, when it last notified and how many notifications it has sent. ``plan`` is
pure: given the group's unmuted alerts it says whether to notify, why, and about which.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from alerts.config import Subscription
from alerts.model import Alert
from alerts.notification import NotifyReason
from alerts.timeutil import from_iso, to_iso
from detectors.record import SEVERITY_RANK

__all__ = ["AggregationGroup", "Told", "group_key", "group_labels", "relative_change"]


def group_labels(labels: Mapping[str, str], group_by: Sequence[str]) -> dict[str, str]:
    """The alert's values of the ``group_by`` labels; ``...`` means every label but status."""
    if tuple(group_by) == ("...",):
        return {k: v for k, v in labels.items() if k != "status"}
    return {name: labels[name] for name in group_by if name in labels}


def group_key(labels: Mapping[str, str]) -> str:
    """Alertmanager's form: ``{kpi="win_rate",team="t-2"}`` with sorted names."""
    body = ",".join(f'{k}="{_quote(v)}"' for k, v in sorted(labels.items()))
    return "{" + body + "}"


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def relative_change(before: float | None, after: float | None) -> float:
    """``|after - before| / |before|``; from or to a missing value, or off zero, is ∞."""
    if before is None or after is None:
        return 0.0 if before is after else math.inf
    if before == 0:
        return 0.0 if after == 0 else math.inf
    return abs(after - before) / abs(before)


@dataclass(frozen=True)
class Told:
    """How a firing alert looked in the last notification of its group."""

    observed: float | None
    severity: str


@dataclass
class AggregationGroup:
    subscription_id: str
    key: str
    labels: dict[str, str]
    next_flush: datetime
    members: set[str] = field(default_factory=set)
    told: dict[str, Told] = field(default_factory=dict)
    held: set[str] = field(default_factory=set)
    last_notified: datetime | None = None
    sent_count: int = 0

    def plan(
        self, alerts: Sequence[Alert], sub: Subscription, now: datetime
    ) -> tuple[NotifyReason, list[Alert]] | None:
        """What to send now about these (unmuted) member alerts, or None."""
        firing = [a for a in alerts if a.status == "firing"]
        resolved = [
            a
            for a in alerts
            if a.status == "resolved" and (a.fingerprint in self.told or a.fingerprint in self.held)
        ]
        if resolved or any(self._is_news(a) for a in firing):
            if not firing:
                return NotifyReason.RESOLVED, resolved
            reason = NotifyReason.UPDATE if self.told else NotifyReason.FIRING
            return reason, firing + resolved
        if firing and self._repeat_due(firing, sub, now):
            return NotifyReason.REPEAT, firing
        return None

    def _is_news(self, alert: Alert) -> bool:
        told = self.told.get(alert.fingerprint)
        if told is None:
            return True
        return SEVERITY_RANK[alert.record.severity] > SEVERITY_RANK.get(told.severity, -1)

    def _repeat_due(self, firing: Sequence[Alert], sub: Subscription, now: datetime) -> bool:
        if self.last_notified is None:
            return False
        if now - self.last_notified < timedelta(seconds=sub.repeat_interval):
            return False
        if sub.renotify_change == 0:
            return True
        return any(
            relative_change(self.told[a.fingerprint].observed, a.record.observed)
            > sub.renotify_change
            for a in firing
            if a.fingerprint in self.told
        )

    def sent(self, alerts: Sequence[Alert], now: datetime) -> None:
        """Remember what was told: the firing alerts' values; resolved ones leave."""
        self.told = {
            a.fingerprint: Told(a.record.observed, a.record.severity)
            for a in alerts
            if a.status == "firing"
        }
        self.held.clear()
        self.last_notified = now
        self.sent_count += 1

    def forget(self, fingerprint: str) -> None:
        self.members.discard(fingerprint)
        self.told.pop(fingerprint, None)
        self.held.discard(fingerprint)

    def to_dict(self) -> dict[str, Any]:
        return {
            "subscription_id": self.subscription_id,
            "key": self.key,
            "labels": dict(self.labels),
            "next_flush": to_iso(self.next_flush),
            "members": sorted(self.members),
            "told": {fp: [t.observed, t.severity] for fp, t in sorted(self.told.items())},
            "held": sorted(self.held),
            "last_notified": to_iso(self.last_notified) if self.last_notified else None,
            "sent_count": self.sent_count,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AggregationGroup:
        last = data.get("last_notified")
        return cls(
            subscription_id=data["subscription_id"],
            key=data["key"],
            labels=dict(data["labels"]),
            next_flush=from_iso(data["next_flush"]),
            members=set(data["members"]),
            told={fp: Told(obs, sev) for fp, (obs, sev) in data["told"].items()},
            held=set(data["held"]),
            last_notified=from_iso(last) if last else None,
            sent_count=int(data.get("sent_count", 0)),
        )
