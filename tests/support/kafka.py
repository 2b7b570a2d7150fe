"""Helpers for tests that talk to the real broker: per-test topics, a worker process, readers."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

from aiokafka import ConsumerRecord

from salespulse.settings import Settings
from streams.broker import free_port
from streams.kafka_client import committed_reader
from streams.supervise import isolated as isolate
from streams.supervise import settings_env, worker_process

__all__ = [
    "count_committed",
    "free_port",
    "isolated",
    "read_topic",
    "settings_env",
    "worker_process",
]


def isolated(settings: Settings, tmp: Path, **ingest: object) -> Settings:
    """Settings with topics, consumer groups and a web port of their own."""
    run = uuid.uuid4().hex[:10]
    own = isolate(settings, run, store="memory://", data_dir=tmp / run, web_port=free_port())
    return own.model_copy(update={"ingest": own.ingest.model_copy(update=ingest)})


async def read_topic(
    settings: Settings, topic: str, expected: int, timeout: float = 90
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read ``topic`` from the start until ``expected`` records arrived (or time out)."""
    consumer = committed_reader(settings, topic)
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + timeout
    try:
        while len(records) < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for part in batch.values():
                records.extend(part)
        await asyncio.sleep(0)
    finally:
        await consumer.stop()
    return records


async def count_committed(settings: Settings, topic: str, timeout: float = 120) -> int:
    """Records a ``read_committed`` reader finds in ``topic`` now, to its end.

    Read to the end offsets asked for first, not to a count: a test that must tell
    "exactly n" from "n and a few typed twice" cannot stop at n.
    """
    consumer = committed_reader(settings, topic)
    await consumer.start()
    deadline = time.monotonic() + timeout
    try:
        while not consumer.assignment():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic}: no partitions assigned in {timeout} s")
            await asyncio.sleep(0.05)
        parts = sorted(consumer.assignment())
        ends = await consumer.end_offsets(parts)  # the last stable offsets
        count = 0
        while any([await consumer.position(tp) < ends[tp] for tp in parts]):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic}: not read to its end in {timeout} s")
            batch = await consumer.getmany(timeout_ms=500)
            count += sum(map(len, batch.values()))
        return count
    finally:
        await consumer.stop()
