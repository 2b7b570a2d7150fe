"""Ingest throughput: the worker's ingest agent vs plain aiokafka on the same topic.

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
from streams.supervise import worker_process

_COUNTER = re.compile(rb"^salespulse_ingest_messages_total (\S+)$", re.M)


@dataclass(frozen=True)
class IngestBench:
    messages: int
    baseline_events_per_s: float
    pipeline_events_per_s: float
    ratio: float
    produce_events_per_s: float


def bench_settings(settings: Settings, workdir: Path) -> Settings:
    run = uuid.uuid4().hex[:8]
    topics = settings.topics.model_copy(
        update={
            "events": f"bench-{run}.events",
            "typed": f"bench-{run}.typed",
            "dlq": f"bench-{run}.dlq",
        }
    )
    worker = settings.worker.model_copy(
        update={
            "app_id": f"bench-{run}",
            "store": "memory://",
            "data_dir": workdir / run,
            "web_port": free_port(),
            "log_level": "warning",
        }
    )
    return settings.model_copy(update={"topics": topics, "worker": worker})


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


def _consumed(url: str) -> float:
    match = _COUNTER.search(httpx.get(url, timeout=5).content)
    return float(match.group(1)) if match else 0.0


def pipeline(settings: Settings, expected: int, log: Path, timeout: float = 900) -> float:
    """Events/s of the worker between its first and its last consumed message."""
    url = f"http://127.0.0.1:{settings.worker.web_port}/metrics"
    with worker_process(settings, log):
        first: tuple[float, float] | None = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            count, now = _consumed(url), time.perf_counter()
            if count > 0 and first is None:
                first = (count, now)
            if count >= expected and first is not None:
                return (count - first[0]) / (now - first[1])
            time.sleep(0.1)
    raise TimeoutError(f"worker consumed fewer than {expected} messages in {timeout}s")


async def _produce(settings: Settings, values: Sequence[bytes]) -> float:
    report = await produce(settings, ((None, v) for v in values))
    return report.rate


def run(settings: Settings, values: Sequence[bytes]) -> IngestBench:
    with tempfile.TemporaryDirectory(prefix="salespulse-bench-") as tmp:
        cfg = bench_settings(settings, Path(tmp))
        produced = asyncio.run(_produce(cfg, values))
        base = asyncio.run(baseline(cfg, len(values)))
        pipe = pipeline(cfg, len(values), Path(tmp) / "worker.log")
    return IngestBench(
        len(values), round(base), round(pipe), round(pipe / base, 4), round(produced)
    )


def as_dict(result: IngestBench) -> dict[str, float | int]:
    return asdict(result)
