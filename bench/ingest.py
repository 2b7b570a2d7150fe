"""Worker throughput (ingest, and ingest + KPIs) vs plain aiokafka on the same topic.

Both read the same N messages from the same topic of the same broker in one run,
so the ratio survives a noisy, shared machine. The worker is timed from its first
consumed message to its last (start-up and rebalance excluded), read off its own
``/metrics`` counter.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import orjson
from aiokafka import AIOKafkaConsumer

from salespulse.settings import Settings
from streams.broker import free_port
from streams.kafka_client import client_kwargs
from streams.producer import produce
from streams.supervise import isolated, worker_process

_INGESTED = re.compile(rb"^salespulse_ingest_messages_total (\S+)$", re.M)
_KPI_DONE = re.compile(rb"^salespulse_kpi_(?:events_applied|late_events)_total (\S+)$", re.M)


@dataclass(frozen=True)
class IngestBench:
    messages: int
    baseline_events_per_s: float
    ingest_events_per_s: float
    ingest_ratio: float
    pipeline_events_per_s: float
    ratio: float
    produce_events_per_s: float


def bench_settings(settings: Settings, workdir: Path) -> Settings:
    run = f"bench-{uuid.uuid4().hex[:8]}"
    return isolated(
        settings,
        run,
        store="memory://",
        data_dir=workdir / run,
        web_port=free_port(),
        log_level="warning",
    )


async def baseline(settings: Settings, expected: int) -> float:
    """aiokafka ``getmany`` + orjson decode of every value: the ceiling we compare against."""
    consumer = AIOKafkaConsumer(
        settings.topics.events,
        **client_kwargs(settings.kafka),
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_partition_fetch_bytes=4 << 20,
    )
    await consumer.start()
    seen, started = 0, None
    try:
        while seen < expected:
            batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            if batch and started is None:
                started = time.perf_counter()
            for records in batch.values():
                for record in records:
                    orjson.loads(record.value)
                seen += len(records)
    finally:
        await consumer.stop()
    return expected / (time.perf_counter() - (started or time.perf_counter()))


def _progress(url: str) -> tuple[float, float]:
    """(messages ingested, events the KPI stage has applied or dead-lettered as late)."""
    body = httpx.get(url, timeout=30).content
    ingested = _INGESTED.search(body)
    kpi = sum(float(m) for m in _KPI_DONE.findall(body))
    return (float(ingested.group(1)) if ingested else 0.0), kpi


def pipeline(
    settings: Settings, expected: int, log: Path, timeout: float = 1800
) -> tuple[float, float]:
    """(ingest events/s, end-to-end events/s) from the worker's first consumed message."""
    url = f"http://127.0.0.1:{settings.worker.web_port}/metrics"
    with worker_process(settings, log):
        start: float | None = None
        ingest_done: float | None = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            (ingested, applied), now = _progress(url), time.perf_counter()
            start = start if start is not None or ingested == 0 else now
            if ingest_done is None and ingested >= expected:
                ingest_done = now
            if start is not None and ingest_done is not None and applied >= expected:
                return expected / (ingest_done - start), expected / (now - start)
            time.sleep(0.05)
    raise TimeoutError(f"worker did not process {expected} messages in {timeout}s")


async def _produce(settings: Settings, values: Sequence[bytes]) -> float:
    report = await produce(settings, ((None, v) for v in values))
    return report.rate


def run(settings: Settings, values: Sequence[bytes]) -> IngestBench:
    with tempfile.TemporaryDirectory(prefix="salespulse-bench-") as tmp:
        cfg = bench_settings(settings, Path(tmp))
        produced = asyncio.run(_produce(cfg, values))
        base = asyncio.run(baseline(cfg, len(values)))
        ingest, pipe = pipeline(cfg, len(values), Path(tmp) / "worker.log")
    return IngestBench(
        messages=len(values),
        baseline_events_per_s=round(base),
        ingest_events_per_s=round(ingest),
        ingest_ratio=round(ingest / base, 4),
        pipeline_events_per_s=round(pipe),
        ratio=round(pipe / base, 4),
        produce_events_per_s=round(produced),
    )


def as_dict(result: IngestBench) -> dict[str, float | int]:
    return asdict(result)
