"""Prometheus view of the detectors: expected value, band and score per judged series.

Exported at scrape time from the monitor's last verdicts (no work on the event path),
so Grafana can draw ``salespulse_kpi_value`` inside its expected band and alert on
``salespulse_kpi_anomaly_score``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from detectors.daily import DailyJudge

LABELS = ["kpi", "dimension", "key", "window"]


class DetectorCollector(Collector):
    def __init__(self, judge: DailyJudge) -> None:
        self.judge = judge

    def collect(self) -> Iterator[Any]:
        monitor = self.judge.monitor
        families = {
            name: GaugeMetricFamily(f"salespulse_kpi_{name}", text, labels=LABELS)
            for name, text in (
                ("expected", "Expected KPI value on the last judged day."),
                ("expected_lower", "Lower edge of the expected band (absent when one-sided)."),
                ("expected_upper", "Upper edge of the expected band (absent when one-sided)."),
                ("anomaly_score", "Anomaly score of the last judged day, 0-1 (>= 0.5 fires)."),
            )
        }
        kinds: dict[str, int] = {}
        for series, state in monitor.series.items():
            if state is None:
                continue
            for detector in state.detectors:
                kinds[type(detector).__name__] = kinds.get(type(detector).__name__, 0) + 1
            verdict = state.last
            if verdict is None:
                continue
            labels = list(series)
            families["anomaly_score"].add_metric(labels, verdict.score)
            for name, value in (
                ("expected", verdict.expected),
                ("expected_lower", verdict.low),
                ("expected_upper", verdict.high),
            ):
                if value is not None:
                    families[name].add_metric(labels, value)
        yield from families.values()
        counts = GaugeMetricFamily(
            "salespulse_detector_series", "Series judged, by detector kind.", labels=["kind"]
        )
        for kind, count in sorted(kinds.items()):
            counts.add_metric([kind], count)
        yield counts
        size = GaugeMetricFamily(
            "salespulse_detector_state_bytes",
            "Pickled detector state, by detector kind.",
            labels=["kind"],
        )
        for kind, total in sorted(monitor.state_bytes().items()):
            size.add_metric([kind], total)
        yield size
