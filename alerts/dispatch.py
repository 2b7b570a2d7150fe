"""The dispatcher: route → group → mute → decide, per subscription, driven by ``now``.

``on_alert`` puts a firing alert into the aggregation group of every subscription that
accepts it (membership then sticks until the alert resolves, so its resolution goes where
its firing went). ``tick(now)`` flushes each group that is due: a new group after
``group_wait``, then at most every ``group_interval``. At a flush the silenced and
inhibited alerts are marked in the book and counted but left out; the group's ``plan``
decides; inside quiet hours a planned message is held until the window ends. Nothing here
sleeps or reads a clock, so tests advance ``now`` by hand.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from alerts.config import Subscription
from alerts.grouping import AggregationGroup, group_key, group_labels
from alerts.inhibit import Inhibitor, InhibitSources
from alerts.lifecycle import AlertBook
from alerts.model import Alert
from alerts.notification import Notification
from alerts.silences import Silences

__all__ = ["DispatchStats", "Dispatcher", "SubscriptionSource"]


class SubscriptionSource(Protocol):
    def get(self, subscription_id: str) -> Subscription | None: ...

    def list(self) -> list[Subscription]: ...


@dataclass
class DispatchStats:
    """Counters since start: notifications by reason, alerts newly silenced or inhibited,
    messages held by quiet hours, and resolved alerts dropped unseen (flapping)."""

    notifications: Counter[str] = field(default_factory=Counter)
    silenced: int = 0
    inhibited: int = 0
    held: int = 0
    flapping: int = 0


class Dispatcher:
    def __init__(
        self,
        subscriptions: SubscriptionSource,
        book: AlertBook,
        silences: Silences | None = None,
        inhibitor: Inhibitor | None = None,
    ) -> None:
        self.subscriptions = subscriptions
        self.book = book
        self.silences = silences if silences is not None else Silences()
        self.inhibitor = inhibitor if inhibitor is not None else Inhibitor()
        self.stats = DispatchStats()
        self._groups: dict[tuple[str, str], AggregationGroup] = {}
        self._routes: dict[str, dict[str, str]] = {}

    @property
    def groups(self) -> list[AggregationGroup]:
        return list(self._groups.values())

    def on_alert(self, alert: Alert, now: datetime) -> None:
        """Route a new or updated alert; a resolved one only matters to groups it is in."""
        routes = self._routes.setdefault(alert.fingerprint, {})
        if alert.status == "firing":
            for sub in self.subscriptions.list():
                if sub.id not in routes and sub.accepts(alert.labels):
                    routes[sub.id] = self._join(sub, alert, now)
        if not routes:
            del self._routes[alert.fingerprint]

    def route_all(self, now: datetime) -> None:
        """Offer every firing alert to the subscriptions again (after one was added)."""
        for alert in self.book.firing():
            self.on_alert(alert, now)

    def _join(self, sub: Subscription, alert: Alert, now: datetime) -> str:
        labels = group_labels(alert.labels, sub.group_by)
        key = group_key(labels)
        group = self._groups.get((sub.id, key))
        if group is None:
            wait = now + timedelta(seconds=sub.group_wait)
            group = AggregationGroup(sub.id, key, labels, next_flush=wait)
            self._groups[(sub.id, key)] = group
        group.members.add(alert.fingerprint)
        return key

    def next_due(self) -> datetime | None:
        """When the earliest group wants a flush (for the wiring's timer)."""
        return min((g.next_flush for g in self._groups.values()), default=None)

    def tick(self, now: datetime) -> list[Notification]:
        """Flush every due group; return the notifications to deliver, in a stable order."""
        due = sorted(
            (g for g in self._groups.values() if g.next_flush <= now),
            key=lambda g: (g.next_flush, g.subscription_id, g.key),
        )
        out: list[Notification] = []
        if not due:
            return out
        sources = self.inhibitor.sources(self.book.firing())
        for group in due:
            sub = self.subscriptions.get(group.subscription_id)
            if sub is None:
                self._drop(group)
                continue
            notification = self._flush(group, sub, now, sources)
            if notification is not None:
                self.stats.notifications[notification.reason.value] += 1
                out.append(notification)
        return out

    def _flush(
        self, group: AggregationGroup, sub: Subscription, now: datetime, sources: InhibitSources
    ) -> Notification | None:
        alerts = self._members(group)
        known = set(group.told) | group.held
        live = [a for a in alerts if not self._mute(a, now, sources)]
        plan = group.plan(live, sub, now)
        quiet = sub.quiet_hours
        if plan is not None and quiet is not None and quiet.contains(now):
            group.held.update(a.fingerprint for a in plan[1] if a.status == "firing")
            group.next_flush = quiet.ends_after(now)
            self.stats.held += 1
            return None
        notification = None
        if plan is not None:
            known.update(a.fingerprint for a in plan[1])
            reason, chosen = plan
            notification = Notification(
                subscription_id=sub.id,
                group_key=group.key,
                group_labels=dict(group.labels),
                alerts=tuple(a.snapshot() for a in chosen),
                reason=reason,
                created_at=now,
                sequence=group.sent_count,
            )
            group.sent(chosen, now)
        self._prune(group, alerts, known)
        group.next_flush = now + timedelta(seconds=sub.group_interval)
        return notification

    def _members(self, group: AggregationGroup) -> list[Alert]:
        found = []
        for fp in sorted(group.members):
            alert = self.book.get(fp)
            if alert is None:
                self._leave(group, fp)
            else:
                found.append(alert)
        return found

    def _mute(self, alert: Alert, now: datetime, sources: InhibitSources) -> bool:
        silenced = self.silences.muted(alert.labels, now)
        inhibited = sources.muted(alert)
        was_silenced, was_inhibited = bool(alert.silenced_by), alert.inhibited_by is not None
        if self.book.set_muted(alert.fingerprint, silenced, inhibited, now):
            self.stats.silenced += int(bool(silenced) and not was_silenced)
            self.stats.inhibited += int(inhibited is not None and not was_inhibited)
        return bool(silenced) or inhibited is not None

    def _prune(self, group: AggregationGroup, alerts: list[Alert], known: set[str]) -> None:
        """Resolved alerts leave; one nobody was ever told about was flapping."""
        for alert in alerts:
            if alert.status != "resolved":
                continue
            self.stats.flapping += int(alert.fingerprint not in known and not alert.muted)
            self._leave(group, alert.fingerprint)
        if not group.members:
            self._drop(group)

    def _leave(self, group: AggregationGroup, fingerprint: str) -> None:
        group.forget(fingerprint)
        routes = self._routes.get(fingerprint, {})
        routes.pop(group.subscription_id, None)
        if not routes:
            self._routes.pop(fingerprint, None)

    def _drop(self, group: AggregationGroup) -> None:
        for fp in list(group.members):
            self._leave(group, fp)
        self._groups.pop((group.subscription_id, group.key), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able state for a compacted snapshot topic (the book is snapshotted apart)."""
        groups = sorted(self._groups.values(), key=lambda g: (g.subscription_id, g.key))
        return {"version": 1, "groups": [g.to_dict() for g in groups]}

    @classmethod
    def from_dict(
        cls,
        data: dict[str, Any],
        subscriptions: SubscriptionSource,
        book: AlertBook,
        silences: Silences | None = None,
        inhibitor: Inhibitor | None = None,
    ) -> Dispatcher:
        if data.get("version") != 1:
            raise ValueError(f"unknown dispatcher state version {data.get('version')!r}")
        dispatcher = cls(subscriptions, book, silences, inhibitor)
        for item in data["groups"]:
            group = AggregationGroup.from_dict(item)
            dispatcher._groups[(group.subscription_id, group.key)] = group
            for fp in group.members:
                dispatcher._routes.setdefault(fp, {})[group.subscription_id] = group.key
        return dispatcher
