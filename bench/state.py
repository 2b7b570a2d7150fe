"""The no-Kafka path and the size of state: ``salespulse.kpis.backtest`` with detectors.

Throughput is events/s of one ``backtest`` call on one core, parsing included (the JSON
of each event is validated as ``salespulse backtest FILE`` does). State is measured on
the engine and the monitor that call leaves behind, as pickled bytes:

- KPI series: the engine's daily cells and running totals per (dimension, key);
  the rest of the engine (leads, open opportunities, customers, the scorer) grows with
  entities, not series, and is reported whole;
- detector series: every (kpi, dimension, key, window) the monitor judges with state.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any

from detectors.monitor import KpiMonitor
from detectors.policy import load_policy
from salespulse.events import parse_event
from salespulse.kpis import KpiEngine, backtest
from salespulse.settings import Settings


def backtest_state(values: Sequence[bytes], settings: Settings) -> dict[str, Any]:
    options = settings.detectors
    monitor = KpiMonitor(load_policy(options.config), options.currency, options.max_series)
    result = backtest(
        (parse_event(v) for v in values),
        settings.kpi.engine_config(),
        scores=False,
        monitor=monitor,
    )
    return {
        "backtest_events_per_s": round(result.events / result.seconds),
        "backtest_anomaly_records": len(result.anomalies),
        **kpi_state(result.engine),
        **detector_state(monitor),
    }


def kpi_state(engine: KpiEngine) -> dict[str, Any]:
    series = len(engine.cells)
    per_series = len(pickle.dumps((engine.cells, engine.totals, engine.stages_seen)))
    return {
        "kpi_series": series,
        "kpi_state_bytes_per_series": round(per_series / series) if series else None,
        "kpi_engine_state_bytes": len(pickle.dumps(engine)),
        "kpi_entities": len(engine.leads) + len(engine.opportunities) + len(engine.customers),
    }


def detector_state(monitor: KpiMonitor) -> dict[str, Any]:
    judged = [state for state in monitor.series.values() if state is not None]
    sizes = monitor.state_bytes()
    counts: dict[str, int] = {}
    for state in judged:
        for detector in state.detectors:
            counts[type(detector).__name__] = counts.get(type(detector).__name__, 0) + 1
    total = sum(sizes.values())
    return {
        "detector_series": len(judged),
        "detector_state_bytes_per_series": round(total / len(judged)) if judged else None,
        "detector_state_bytes_by_kind": {
            kind: round(sizes.get(kind, 0) / n) for kind, n in sorted(counts.items())
        },
    }
