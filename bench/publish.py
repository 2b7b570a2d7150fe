"""What one KPI publish costs: ``python -m bench.publish [--events N] [--repeat K]``.

Backtests the benchmark's mix in-process, then times ``all_values`` over every series
(what the KPI stage computes when every series changed since its last publish) and
prints milliseconds per call, the values computed and the series. The KPI stage's
publish interval stretches with this cost (``streams.kpi_service.PUBLISH_SHARE``), so
it bounds both the stage's latency and its share of a backlog's CPU.
"""

from __future__ import annotations

import argparse
import time

from bench.mix import mix_events
from salespulse.kpis import backtest
from salespulse.kpis.compute import all_values
from salespulse.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description="Time one full KPI publish.")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    engine = backtest(
        iter(mix_events(args.events)), Settings().kpi.engine_config(), scores=False
    ).engine
    series = set(engine.cells)
    values = all_values(engine, scores=False, series=series)  # warm
    started = time.perf_counter()
    for _ in range(args.repeat):
        all_values(engine, scores=False, series=series)
    ms = (time.perf_counter() - started) / args.repeat * 1000
    print(f"all_values: {ms:.1f} ms per call, {len(values)} values, {len(series)} series")


if __name__ == "__main__":
    main()
