"""Run the KPI engine over a stream with no Kafka: the fast path over history.

The live worker drives the very same ``KpiEngine``; the tests compare both with an
independent reference implementation.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from salespulse.events import SalesEvent, parse_event
from salespulse.kpis.compute import all_values, window_values
from salespulse.kpis.config import KpiConfig
from salespulse.kpis.engine import KpiEngine
from salespulse.kpis.values import KpiValue

if TYPE_CHECKING:  # detectors import KpiValue from this package: import them lazily
    from detectors.monitor import Anomaly, SeriesMonitor


@dataclass(frozen=True)
class BacktestResult:
    as_of: date | None
    watermark: datetime | None
    events: int
    late: int
    invalid: int
    seconds: float
    values: list[KpiValue]
    engine: KpiEngine
    anomalies: list[Anomaly] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.engine.clock(),
            "events": self.events,
            "late": self.late,
            "invalid": self.invalid,
            "events_per_second": round(self.events / self.seconds) if self.seconds else None,
            "dropped_series": dict(self.engine.dropped),
            "calibration": self.engine.scorer.calibration().to_dict(),
            "kpis": [v.to_dict() for v in self.values],
            "anomalies": [a.to_dict() for a in self.anomalies],
        }


def backtest(
    events: Iterable[SalesEvent],
    config: KpiConfig,
    invalid: int = 0,
    scores: bool = True,
    detect: bool = False,
) -> BacktestResult:
    """KPIs after the last event; with ``detect``, anomalies of every day's ``day`` window.

    A day is judged when the first event of a later day arrives (events of that day
    inside the grace period after it are not seen by the detectors).
    """
    from detectors.monitor import SeriesMonitor

    engine = KpiEngine(config)
    monitor = SeriesMonitor() if detect else None
    anomalies: list[Anomaly] = []
    started = time.perf_counter()
    count = 0
    for event in events:
        day = engine.as_of
        engine.apply(event)
        count += 1
        if monitor is not None and day is not None and engine.as_of != day:
            anomalies.extend(_judge_day(engine, monitor, day))
    seconds = time.perf_counter() - started
    values = all_values(engine, scores=scores)
    return BacktestResult(
        engine.as_of,
        engine.watermark,
        count,
        engine.late,
        invalid,
        seconds,
        values,
        engine,
        anomalies,
    )


def _judge_day(engine: KpiEngine, monitor: SeriesMonitor, day: date) -> list[Anomaly]:
    end = datetime.combine(day, datetime.min.time(), tzinfo=engine.config.zone)
    return monitor.observe(window_values(engine, day, "day"), end)


class FileEvents:
    """Valid events of a JSONL file; invalid lines are counted, as ingest would dead-letter."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.invalid = 0

    def __iter__(self) -> Iterator[SalesEvent]:
        with self.path.open("rb") as fh:
            for line in fh:
                if not line.strip():
                    continue
                try:
                    yield parse_event(line)
                except ValueError:
                    self.invalid += 1


def backtest_file(
    path: Path, config: KpiConfig, scores: bool = True, detect: bool = False
) -> BacktestResult:
    source = FileEvents(path)
    result = backtest(source, config, scores=scores, detect=detect)
    return replace(result, invalid=source.invalid)
