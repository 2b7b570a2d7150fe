"""Pipeline health at scrape time: consumer lag per stage and partition, event-time lag,
the ingest → KPI handoff, and build info — values the stages already hold, read without
touching the hot path."""

from __future__ import annotations

import platform
import time
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from streams.ingest_service import IngestService
from streams.kpi_service import KpiService


def _version() -> str:
    try:
        return version("salespulse")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


class HealthCollector(Collector):
    def __init__(self, ingest: IngestService, kpis: KpiService | None) -> None:
        self.ingest, self.kpis = ingest, kpis
        self.build = (_version(), platform.python_version())

    def collect(self) -> Iterator[Any]:
        info = GaugeMetricFamily(
            "salespulse_build_info",
            "Version of this worker (value 1).",
            labels=["version", "python"],
        )
        info.add_metric(list(self.build), 1.0)
        yield info
        lag = GaugeMetricFamily(
            "salespulse_consumer_lag_messages",
            "Messages behind the end of the input topic, per stage and partition.",
            labels=["stage", "partition"],
        )
        stages = [("ingest", self.ingest.lag)]
        if self.kpis is not None:
            stages.append(("kpi", self.kpis.lag))
        for stage, partitions in stages:
            for partition, behind in sorted(partitions.items()):
                lag.add_metric([stage, str(partition)], behind)
        yield lag
        event_lag = GaugeMetricFamily(
            "salespulse_event_time_lag_seconds",
            "Wall clock minus the event-time watermark of the KPI stage.",
        )
        watermark = self.kpis.engine.watermark if self.kpis is not None else None
        if watermark is not None:
            event_lag.add_metric([], max(0.0, time.time() - watermark.timestamp()))
        yield event_lag
        handoff = self.ingest.handoff
        if handoff is not None:
            taken = CounterMetricFamily(
                "salespulse_kpi_handoff_events",
                "Typed events the KPI stage took from this process's ingest without validating"
                " them again (hit), validated again (miss), or ingest dropped unread (evicted).",
                labels=["result"],
            )
            for result, count in (
                ("hit", handoff.hits),
                ("miss", handoff.misses),
                ("evicted", handoff.evicted),
            ):
                taken.add_metric([result], count)
            yield taken
