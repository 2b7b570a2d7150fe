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
import sys
from collections.abc import Sequence
from types import ModuleType
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
        **kpi_state(result.engine, len({v.series_id for v in result.values})),
        **detector_state(monitor),
    }


def kpi_state(engine: KpiEngine, value_series: int = 0) -> dict[str, Any]:
    """Pickled bytes (what a snapshot would hold) and bytes in memory (what the worker holds).

    Per series: the day cells (counters and the cycle samples of their deals) and the
    running totals. The distinct-payer index is reported apart: it holds one entry per
    (series, paying customer) and grows with customers, not with series.

    A "series" here is one (dimension, key), the unit the engine stores; it feeds every
    KPI and window of that key. ``value_series`` counts what a user sees as series, one
    per (kpi, dimension, key, window) published (a ``salespulse_kpi_value`` label set, the
    unit the detector figures use); the same memory is given per one of those too.
    """
    series = len(engine.cells)
    per_series = (engine.cells, engine.totals, engine.stages_seen)
    pickled = len(pickle.dumps(per_series))
    payers = len(pickle.dumps(engine.payers))
    pairs = sum(len(index.masks) for index in engine.payers.values())
    cell_days = sum(len(days) for days in engine.cells.values())
    in_memory = deep_size(per_series)
    return {
        "kpi_series": series,
        "kpi_series_days": cell_days,
        "kpi_state_bytes_per_series": round(pickled / series) if series else None,
        "kpi_state_bytes_per_series_day": round(pickled / cell_days) if cell_days else None,
        "kpi_memory_bytes_per_series": round(in_memory / series) if series else None,
        "kpi_value_series": value_series,
        "kpi_memory_bytes_per_value_series": (
            round(in_memory / value_series) if value_series else None
        ),
        "kpi_payer_pairs": pairs,
        "kpi_payer_bytes_per_pair": round(payers / pairs, 1) if pairs else None,
        "kpi_payer_memory_bytes_per_pair": (
            round(deep_size(engine.payers) / pairs, 1) if pairs else None
        ),
        "kpi_engine_state_bytes": len(pickle.dumps(engine)),
        "kpi_entities": len(engine.leads) + len(engine.opportunities) + len(engine.customers),
    }


def deep_size(root: object) -> int:
    """Bytes of ``root`` and everything it references, each object once (``sys.getsizeof``).

    Shared objects (interned keys, the shared zero) count once; classes and modules not
    at all. An estimate of what the structure costs in RAM, close to tracemalloc's.
    """
    seen: set[int] = set()
    total = 0
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type | ModuleType):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, list | tuple | set | frozenset):
            stack.extend(obj)
        else:
            for cls in type(obj).__mro__:
                for slot in getattr(cls, "__slots__", ()):
                    if hasattr(obj, slot):
                        stack.append(getattr(obj, slot))
            if hasattr(obj, "__dict__"):
                stack.append(vars(obj))
    return total


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
