"""HTTP and Prometheus views over the live KPI engine of this worker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from salespulse.kpis.compute import all_values
from streams.kpi_service import KpiService

FILTERS = ("kpi", "dimension", "key", "window")


def query_kpis(service: KpiService, params: dict[str, str]) -> dict[str, Any]:
    """``GET /kpis?kpi=&dimension=&key=&window=&scores=1``: fresh values as of the watermark."""
    engine = service.engine
    series = [
        s
        for s in engine.cells
        if params.get("dimension") in (None, s[0]) and params.get("key") in (None, s[1])
    ]
    values = all_values(engine, scores=params.get("scores") == "1", series=series)
    wanted = {f: params[f] for f in FILTERS if f in params}
    rows = [v.to_dict() for v in values if all(getattr(v, f) == x for f, x in wanted.items())]
    return {
        **engine.clock(),
        "replaying": service.replaying,
        "committed": service.all_committed(),
        "events_applied": engine.applied,
        "late": engine.late,
        "kpis": rows,
    }


class KpiCollector(Collector):
    """Exports the last published KPI values at scrape time (no work on the hot path)."""

    def __init__(self, service: KpiService) -> None:
        self.service = service

    def collect(self) -> Iterator[Any]:
        gauge = GaugeMetricFamily(
            "salespulse_kpi_value",
            "Current KPI value (ratios 0-1, money in event currency).",
            labels=["kpi", "dimension", "key", "window"],
        )
        for value in self.service.current.values():
            if value.value is not None:
                gauge.add_metric(list(value.series_id), value.value)
        yield gauge
        engine = self.service.engine
        series = GaugeMetricFamily(
            "salespulse_kpi_series", "KPI series held, by dimension.", labels=["dimension"]
        )
        for dim, count in sorted(engine.series_per_dimension.items()):
            series.add_metric([dim], count)
        yield series
        dropped = CounterMetricFamily(
            "salespulse_kpi_dropped_series",
            "Contributions dropped by the series cap.",
            labels=["dimension"],
        )
        for dim, count in sorted(engine.dropped.items()):
            dropped.add_metric([dim], count)
        yield dropped
        watermark = GaugeMetricFamily(
            "salespulse_kpi_watermark_seconds",
            "Event-time watermark of the KPI engine (unix seconds).",
        )
        watermark.add_metric([], engine.watermark.timestamp() if engine.watermark else 0.0)
        yield watermark
