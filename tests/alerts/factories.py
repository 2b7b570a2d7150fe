"""Builders for alerting tests: anomaly records, subscriptions, a dispatcher over a book."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from alerts.config import Subscription
from alerts.dispatch import Dispatcher
from alerts.inhibit import Inhibitor
from alerts.lifecycle import AlertBook
from alerts.notification import Notification, NotifyReason
from alerts.silences import Silences
from alerts.stores import SubscriptionStore
from detectors.record import AnomalyRecord, Contribution, DetectorFinding, MoneyImpact, fingerprint

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
DAY0 = datetime(2024, 3, 1, tzinfo=UTC)
SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX"


def record(
    *,
    kpi: str = "win_rate",
    dimension: str = "rep",
    key: str = "r-07",
    status: str = "firing",
    severity: str = "warning",
    observed: float | None = 0.05,
    expected: float | None = 0.31,
    day: int = 0,
    direction: str = "drop",
    unit: str = "ratio",
    labels: dict[str, str] | None = None,
    drilldown: tuple[Contribution, ...] = (),
    money: Decimal | None = None,
    first_day: int = 0,
) -> AnomalyRecord:
    """A record of one series; ``day`` moves ``last_seen``, ``first_day`` the incident start."""
    base = {"team": "t-2", "region": "west"} if labels is None else labels
    return AnomalyRecord(
        fingerprint=fingerprint(kpi, dimension, key, "day", direction),
        status=status,  # type: ignore[arg-type]
        kpi=kpi,
        dimension=dimension,
        key=key,
        window="day",
        as_of=(DAY0 + timedelta(days=day)).date(),
        unit=unit,  # type: ignore[arg-type]
        observed=observed,
        expected=expected,
        low=None if expected is None else expected * 0.8,
        high=None if expected is None else expected * 1.2,
        direction=direction,  # type: ignore[arg-type]
        severity=severity,  # type: ignore[arg-type]
        score=0.93,
        detectors=(DetectorFinding(name="seasonal", score=0.93, reason="below band"),),
        money_impact=MoneyImpact(amount=money, currency="BYN") if money is not None else None,
        drilldown=drilldown,
        labels={**base, "kpi": kpi, "dimension": dimension, "key": key, "severity": severity},
        first_seen=DAY0 + timedelta(days=first_day),
        last_seen=DAY0 + timedelta(days=day),
    )


def subscription(**overrides: Any) -> Subscription:
    data: dict[str, Any] = {
        "id": "sales-ops",
        "name": "Sales ops",
        "owner": "ops@example.com",
        "channel": {"type": "slack", "webhook_url": SLACK_URL},
        "group_by": ["team"],
        "min_severity": "warning",
    }
    data.update(overrides)
    return Subscription.model_validate(data)


class Rig:
    """A book, stores and dispatcher wired together, with a hand-driven clock."""

    def __init__(self, *subs: Subscription, inhibitor: Inhibitor | None = None) -> None:
        self.now = T0
        self.book = AlertBook()
        self.subs = SubscriptionStore(list(subs) or [subscription()])
        self.silences = Silences()
        self.inhibitor = inhibitor or Inhibitor()
        self.dispatcher = Dispatcher(self.subs, self.book, self.silences, self.inhibitor)

    def feed(self, rec: AnomalyRecord) -> None:
        alert = self.book.apply(rec, self.now)
        self.dispatcher.on_alert(alert, self.now)

    def advance(self, seconds: float) -> list[Notification]:
        """Move the clock and tick once per second of the way (as a worker timer would)."""
        out: list[Notification] = []
        end = self.now + timedelta(seconds=seconds)
        while self.now < end:
            self.now = min(end, self.now + timedelta(seconds=1))
            out += self.dispatcher.tick(self.now)
        return out

    def jump(self, seconds: float) -> list[Notification]:
        """Move the clock in one step and tick once."""
        self.now += timedelta(seconds=seconds)
        return self.dispatcher.tick(self.now)


def notification(
    *records: AnomalyRecord,
    reason: NotifyReason = NotifyReason.FIRING,
    group_labels: dict[str, str] | None = None,
) -> Notification:
    """A notification about these records, as the dispatcher would make it."""
    book = AlertBook()
    alerts = [book.apply(r, T0) for r in (records or (record(),))]
    return Notification(
        subscription_id="sales-ops",
        group_key='{team="t-2"}',
        group_labels={"team": "t-2"} if group_labels is None else group_labels,
        alerts=tuple(a.snapshot() for a in alerts),
        reason=reason,
        created_at=T0,
    )
