"""Prometheus metrics of the alerting stage, built against an injected registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram

ALERT_EVENTS = ("fired", "resolved", "silenced", "inhibited")
_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)


@dataclass
class AlertMetrics:
    alerts: Counter
    notifications: Counter
    failures: Counter
    latency: Histogram
    transactions_retried: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> AlertMetrics:
        metrics = cls(
            alerts=Counter(
                "salespulse_alerts",
                "Alert lifecycle events: fired, resolved, silenced, inhibited.",
                ["event"],
                registry=registry,
            ),
            notifications=Counter(
                "salespulse_notifications",
                "Notification deliveries by channel and outcome (sent, failed).",
                ["channel", "outcome"],
                registry=registry,
            ),
            failures=Counter(
                "salespulse_notification_failures",
                "Failed delivery rounds by channel and reason (retried unless permanent).",
                ["channel", "reason"],
                registry=registry,
            ),
            latency=Histogram(
                "salespulse_notification_latency_seconds",
                "From the dispatcher emitting a notification to the channel accepting it.",
                ["channel"],
                buckets=_LATENCY_BUCKETS,
                registry=registry,
            ),
            transactions_retried=Counter(
                "salespulse_alert_transactions_retried",
                "State commits the broker did not finish, committed again.",
                registry=registry,
            ),
        )
        for event in ALERT_EVENTS:
            metrics.alerts.labels(event)
        return metrics

    def alert(self, event: str, count: int = 1) -> None:
        if count > 0:
            self.alerts.labels(event).inc(count)

    def sent(self, channel: str, created: datetime | None) -> None:
        self.notifications.labels(channel, "sent").inc()
        if created is not None:
            self.latency.labels(channel).observe((datetime.now(UTC) - created).total_seconds())

    def failed(self, channel: str, reason: str) -> None:
        self.notifications.labels(channel, "failed").inc()
        self.failures.labels(channel, _bounded(reason)).inc()


def _bounded(reason: str) -> str:
    """Reasons become labels: keep them to a short, closed vocabulary."""
    text = reason.split(":", 1)[0].strip().lower().replace(" ", "_")
    return text[:40] or "unknown"
