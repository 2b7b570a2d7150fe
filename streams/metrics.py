"""Prometheus metrics for the pipeline, built against an injected registry.

Children with labels are cached in dicts: ``.labels(x)`` costs ~3.6 µs a call,
a dict hit ~50 ns, and the label sets are closed (event types, DLQ reasons).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram

from salespulse.events import EVENT_TYPES
from salespulse.ingest import DeadLetterReason

_BATCH_BUCKETS = (1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10000)


@dataclass
class IngestMetrics:
    messages: Counter
    events: Counter
    dead_letters: Counter
    batch_size: Histogram
    transactions_retried: Counter
    _events_by_type: dict[str, Counter] = field(default_factory=dict)
    _dl_by_reason: dict[DeadLetterReason, Counter] = field(default_factory=dict)

    @classmethod
    def create(cls, registry: CollectorRegistry) -> IngestMetrics:
        metrics = cls(
            messages=Counter(
                "salespulse_ingest_messages",
                "Raw messages consumed by ingest.",
                registry=registry,
            ),
            events=Counter(
                "salespulse_ingest_events",
                "Valid events forwarded, by type.",
                ["type"],
                registry=registry,
            ),
            dead_letters=Counter(
                "salespulse_ingest_dead_letters",
                "Messages sent to the dead-letter topic.",
                ["reason"],
                registry=registry,
            ),
            batch_size=Histogram(
                "salespulse_ingest_batch_messages",
                "Messages per ingest batch.",
                buckets=_BATCH_BUCKETS,
                registry=registry,
            ),
            transactions_retried=Counter(
                "salespulse_ingest_transactions_retried",
                "Batches the broker did not commit, typed again from the committed offsets "
                "(a broker outage; its messages and events are counted again).",
                registry=registry,
            ),
        )
        metrics._events_by_type = {t: metrics.events.labels(t) for t in EVENT_TYPES}
        metrics._dl_by_reason = {r: metrics.dead_letters.labels(r.value) for r in DeadLetterReason}
        return metrics

    def batch(self, messages: int) -> None:
        self.messages.inc(messages)
        self.batch_size.observe(messages)

    def valid(self, event_type: str, count: int = 1) -> None:
        self._events_by_type[event_type].inc(count)

    def rejected(self, reason: DeadLetterReason) -> None:
        self._dl_by_reason[reason].inc()


_JUDGE_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class KpiMetrics:
    applied: Counter
    late: Counter
    published: Counter
    anomalies: Counter
    judge_seconds: Histogram
    update_latency: Histogram
    duplicates: Counter
    transactions_retried: Counter
    _anomalies: dict[tuple[str, str], Counter] = field(default_factory=dict)

    def anomaly(self, kpi: str, severity: str) -> None:
        """Count a new or escalated incident (KPI ids are a closed set: bounded labels)."""
        child = self._anomalies.get((kpi, severity))
        if child is None:
            child = self._anomalies[(kpi, severity)] = self.anomalies.labels(kpi, severity)
        child.inc()

    @classmethod
    def create(cls, registry: CollectorRegistry) -> KpiMetrics:
        return cls(
            applied=Counter(
                "salespulse_kpi_events_applied", "Events applied to KPI state.", registry=registry
            ),
            late=Counter(
                "salespulse_kpi_late_events",
                "Events behind the watermark beyond grace (dead-lettered).",
                registry=registry,
            ),
            published=Counter(
                "salespulse_kpi_changes_published",
                "KPI value changes published to the KPI topic.",
                registry=registry,
            ),
            anomalies=Counter(
                "salespulse_anomalies",
                "Anomaly records published (firing: new incidents and escalations).",
                ["kpi", "severity"],
                registry=registry,
            ),
            duplicates=Counter(
                "salespulse_kpi_duplicate_events",
                "Typed events skipped by the KPI stage because their id was already applied.",
                registry=registry,
            ),
            transactions_retried=Counter(
                "salespulse_kpi_transactions_retried",
                "Publishing transactions the broker did not commit, committed again.",
                registry=registry,
            ),
            update_latency=Histogram(
                "salespulse_kpi_update_latency_seconds",
                "Wall clock at publication minus the event time of the newest applied event.",
                buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600),
                registry=registry,
            ),
            judge_seconds=Histogram(
                "salespulse_detector_judge_seconds",
                "Time to judge the KPI series of closed days.",
                buckets=_JUDGE_BUCKETS,
                registry=registry,
            ),
        )
