"""From the event that closes an anomalous day to the message in a local Slack stand-in.

Anomalies are judged when a local day closes (watermark past midnight plus the grace
period), so the event that makes a KPI anomalous is the first event of the next day.
Method: a 70-day simulation with one rep's win rate collapsing; an in-process run of the
same engine and detectors (grace 0, as the worker is configured) finds the index of the
event at which that rep's ``win_rate`` record fires. The worker gets every event before
it at full speed, is left to apply them all and go quiet, then that one event is sent:
its produce time to the sink's receipt is the figure. The firing record's Kafka
timestamp splits it into detection (produce -> anomaly record) and alerting (record ->
sink). The subscription matches only that rep's ``win_rate`` with ``group_wait`` 0.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from bench.config import bench_settings, delivering, with_grace
from bench.observe import PROGRESS, kpi_done, scrape, wait_until
from detectors.daily import DailyJudge
from detectors.monitor import KpiMonitor
from detectors.policy import load_policy
from salespulse.events import SalesEvent
from salespulse.kpis import KpiEngine
from salespulse.settings import Settings
from salespulse.simulate import SimulationConfig, simulate
from salespulse.simulate.config import AnomalyKind
from streams.kafka_client import client_kwargs, committed_reader, ensure_topics
from streams.sinks import Sink
from streams.supervise import worker_process

COLLAPSE = SimulationConfig(seed=3, days=70, scale=0.5, anomalies=(AnomalyKind.WIN_RATE_COLLAPSE,))


@dataclass(frozen=True)
class Incident:
    index: int  # of the event that closes the anomalous day
    rep: str
    fingerprint: str


def find_incident(events: list[SalesEvent], rep: str, settings: Settings) -> Incident:
    """Replay as the KPI stage does (judge after an applied event) until ``rep`` fires."""
    options = settings.detectors
    engine = KpiEngine(settings.kpi.engine_config())
    monitor = KpiMonitor(load_policy(options.config), options.currency, options.max_series)
    judge = DailyJudge(monitor)
    for index, event in enumerate(events):
        if engine.apply(event) and judge.due(engine):
            for r in judge.judge(engine):
                if (r.status, r.kpi, r.dimension, r.key) == ("firing", "win_rate", "rep", rep):
                    return Incident(index, rep, r.fingerprint)
    raise RuntimeError(f"no win_rate record fired for {rep}")


def anomaly_to_notification(settings: Settings, workdir: Path, sink: Sink) -> dict[str, Any]:
    simulation = simulate(COLLAPSE)
    events, rep = list(simulation.events), simulation.labels[0].key
    matchers = [
        {"name": "kpi", "op": "=", "value": "win_rate"},
        {"name": "dimension", "op": "=", "value": "rep"},
        {"name": "key", "op": "=", "value": rep},
    ]
    cfg = with_grace(bench_settings(settings, workdir), 0)
    cfg = delivering(cfg, workdir, sink.webhook_url, matchers)
    incident = find_incident(events, rep, cfg)
    with worker_process(cfg, workdir / "anomaly-worker.log"):
        timing = asyncio.run(_time_incident(cfg, events, incident, sink))
    return {**timing, "replayed_events": incident.index}


async def _time_incident(
    cfg: Settings, events: list[SalesEvent], incident: Incident, sink: Sink
) -> dict[str, float]:
    await ensure_topics(cfg)
    producer = AIOKafkaProducer(**client_kwargs(cfg.kafka), linger_ms=5, enable_idempotence=True)
    await producer.start()
    try:
        for event in events[: incident.index]:
            await producer.send(cfg.topics.events, event.to_json(), key=event.entity_key.encode())
        await producer.flush()
        port = cfg.worker.web_port
        await asyncio.to_thread(
            wait_until,
            lambda: kpi_done(scrape(port, PROGRESS)) >= incident.index,
            900,
            "replay",
            0.2,
        )
        await asyncio.sleep(2 * cfg.kpi.publish_seconds + cfg.alerts.tick_seconds)  # quiet
        closing = events[incident.index]
        sent_at = time.time()
        await producer.send_and_wait(
            cfg.topics.events, closing.to_json(), key=closing.entity_key.encode()
        )
    finally:
        await producer.stop()
    arrived = await asyncio.to_thread(_arrival, sink, incident.rep, sent_at)
    recorded = await _record_time(cfg, incident.fingerprint)
    return {
        "anomaly_to_notification_ms": round((arrived - sent_at) * 1000, 1),
        "anomaly_record_ms": round((recorded - sent_at) * 1000, 1),
        "anomaly_record_to_sink_ms": round((arrived - recorded) * 1000, 1),
    }


def _arrival(sink: Sink, rep: str, after: float, timeout: float = 120) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        arrived = sink.first_mentioning(rep, after)
        if arrived is not None:
            return arrived
        time.sleep(0.01)
    raise TimeoutError(f"no notification naming {rep} within {timeout:.0f}s")


async def _record_time(cfg: Settings, fingerprint: str) -> float:
    """Kafka timestamp (CreateTime, seconds) of the firing record of ``fingerprint``."""
    consumer = committed_reader(cfg, cfg.detectors.topic)
    await consumer.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    if record.key == fingerprint.encode():
                        return float(record.timestamp) / 1000
    finally:
        await consumer.stop()
    raise TimeoutError(f"no anomaly record {fingerprint[:12]} on {cfg.detectors.topic}")
