"""``salespulse bench``: every figure of one run, measured against the same broker and topic.

Order: produce N events once; the aiokafka baseline reads them; then workers read the
same raw topic, each run on topics and groups of its own: ingest alone, ingest + KPIs,
the full pipeline (KPIs, detectors, alerting with a local Slack stand-in), and the full
pipeline with a second, ingest-only worker. Then latency under fixed loads, the anomaly
to notification time, and the in-process backtest that sizes the state.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import config
from bench.anomaly import anomaly_to_notification
from bench.ingest import WorkerRun, backlog, baseline
from bench.latency import offered_load
from bench.mix import Stamper
from bench.state import backtest_state
from salespulse.events import SalesEvent
from salespulse.settings import Settings
from streams.producer import produce
from streams.sinks import Sink, http_sink


@dataclass(frozen=True)
class Options:
    latency: bool = True
    scale: bool = True
    loads: tuple[int, ...] = (1000, 5000)
    load_seconds: float = 15.0


def run(settings: Settings, events: Sequence[SalesEvent], options: Options) -> dict[str, Any]:
    started = time.perf_counter()
    count = len(events)
    with tempfile.TemporaryDirectory(prefix="salespulse-bench-") as tmp, http_sink() as sink:
        work = Path(tmp)
        first = config.bench_settings(settings, work)
        produced = asyncio.run(produce(first, events)).rate
        base, base_cores = asyncio.run(baseline(first, count))
        result: dict[str, Any] = {
            "events": count,
            "produce_events_per_s": round(produced),
            "baseline_events_per_s": round(base),
            "baseline_cores": base_cores,
        }
        result.update(_throughput(settings, work, first.topics.events, count, base, sink, options))
        if options.latency:
            result["latency"] = _latency(settings, work, events, sink, options)
            result.update(anomaly_to_notification(settings, work, sink))
    result.update(backtest_state([e.to_json() for e in events], settings))
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def _throughput(
    settings: Settings, work: Path, topic: str, count: int, base: float, sink: Sink, opt: Options
) -> dict[str, Any]:
    def reader() -> Settings:
        return config.reading(settings, work, topic)

    ingest = backlog([config.ingest_only(reader())], count, work, kpis=False)
    kpis = backlog([config.kpi_only(reader())], count, work)
    full_cfg = config.delivering(reader(), work, sink.webhook_url)
    settle = 2 * settings.kpi.publish_seconds + settings.alerts.tick_seconds
    full = backlog([full_cfg], count, work, settle_seconds=settle)
    pipe = _rate(full)
    out: dict[str, Any] = {
        "ingest_events_per_s": round(ingest.ingest_events_per_s),
        "ingest_ratio": round(ingest.ingest_events_per_s / base, 4),
        "kpi_events_per_s": round(_rate(kpis)),
        "kpi_ratio": round(_rate(kpis) / base, 4),
        "pipeline_events_per_s": round(pipe),
        "ratio": round(pipe / base, 4),
        "peak_rss_bytes": full.peak_rss_bytes,
        "pipeline_cores": full.cores,
        "anomaly_records": int(full.metrics.by("salespulse_alerts_total", "event").get("fired", 0))
        + int(full.metrics.by("salespulse_alerts_total", "event").get("resolved", 0)),
        "notifications_delivered": len(sink.messages()),
        "worker_detector_state_bytes_by_kind": _per_detector(full),
    }
    if opt.scale:
        partitions = settings.topics.partitions
        out["scale"] = {
            "partitions": partitions,
            "1": _scaled(full),
            "2": _two(reader(), count, work, sink),
        }
    return out


def _two(reader: Settings, count: int, work: Path, sink: Sink) -> dict[str, Any]:
    """The full pipeline plus an ingest-only peer; a worker that dies is reported, with
    the tail of its log, instead of losing the figures of the whole run."""
    cfg = config.delivering(reader, work, sink.webhook_url)
    logs = work / "scale-2"
    try:
        return _scaled(backlog([cfg, config.ingest_only_peer(cfg, 1)], count, logs))
    except (RuntimeError, TimeoutError, httpx.HTTPError) as error:
        found = {p.name: _problems(p) for p in sorted(logs.glob("*.log"))}
        return {"error": f"{type(error).__name__}: {str(error)[:500]}", "logs": found}


def _problems(log: Path, keep: int = 30) -> list[str]:
    """The error lines of a worker log (and the traceback lines around them)."""
    marks = ("ERROR", "CRITICAL", "Traceback", "Error", "Exception", "  File ")
    lines = log.read_text(errors="replace").splitlines()
    return [line[:300] for line in lines if any(m in line for m in marks)][-keep:]


def _rate(run: WorkerRun) -> float:
    assert run.events_per_s is not None
    return run.events_per_s


def _scaled(run: WorkerRun) -> dict[str, Any]:
    return {
        "ingest_events_per_s": round(run.ingest_events_per_s),
        "pipeline_events_per_s": round(_rate(run)),
        "settled_events_per_s": round(run.steady_events_per_s or 0),
        "kpi_applied": run.kpi_applied,
        "kpi_stalled": run.stalled,
        "all_consuming_after_s": round(run.all_consuming_after_s, 1),
        "cores": run.cores,
    }


def _per_detector(run: WorkerRun) -> dict[str, int]:
    """The live worker's own export: pickled bytes per detector, by kind."""
    sizes = run.metrics.by("salespulse_detector_state_bytes", "kind")
    counts = run.metrics.by("salespulse_detector_series", "kind")
    return {kind: round(sizes.get(kind, 0) / n) for kind, n in sorted(counts.items()) if n}


def _latency(
    settings: Settings, work: Path, events: Sequence[SalesEvent], sink: Sink, opt: Options
) -> dict[str, Any]:
    stamper = Stamper(events)
    out: dict[str, Any] = {}
    for load in opt.loads:
        cfg = config.delivering(config.bench_settings(settings, work), work, sink.webhook_url)
        log = work / f"latency-{load}.log"
        out[str(load)] = offered_load(cfg, stamper, load, opt.load_seconds, log)
    return out
