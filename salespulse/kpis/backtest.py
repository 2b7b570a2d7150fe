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
from salespulse.kpis.compute import all_values
from salespulse.kpis.config import KpiConfig
from salespulse.kpis.engine import KpiEngine
from salespulse.kpis.values import KpiValue

if TYPE_CHECKING:  # detectors import KpiValue from this package: import them lazily
    from detectors.monitor import KpiMonitor
    from detectors.record import AnomalyRecord


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
    anomalies: list[AnomalyRecord] = field(default_factory=list)

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
            "anomalies": [a.model_dump(mode="json") for a in self.anomalies],
        }


def backtest(
    events: Iterable[SalesEvent],
    config: KpiConfig,
    invalid: int = 0,
    scores: bool = True,
    detect: bool = False,
    monitor: KpiMonitor | None = None,
) -> BacktestResult:
    """KPIs after the last event; with ``detect`` (or a ``monitor``), the anomaly records.

    A local day is judged once it is closed (the watermark past its end plus the grace
    period), exactly as the live worker does; the last, still open day is not judged.
    """
    from detectors.daily import DailyJudge
    from detectors.monitor import KpiMonitor

    engine = KpiEngine(config)
    if detect and monitor is None:
        monitor = KpiMonitor()
    judge = DailyJudge(monitor) if monitor is not None else None
    anomalies: list[AnomalyRecord] = []
    started = time.perf_counter()
    count = 0
    for event in events:
        engine.apply(event)
        count += 1
        if judge is not None and judge.due(engine):
            anomalies.extend(judge.judge(engine))
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
