"""Send events to the raw topic: used by ``simulate``, ``replay`` and ``import``.

Batching is left to aiokafka (``linger_ms``); rate limiting sleeps per chunk,
not per event, so a 50k events/s replay does not pay a timer per message.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer

from salespulse.events import Envelope
from salespulse.settings import Settings
from streams.kafka_client import client_kwargs, ensure_topics

#: A record to send: a validated event, or raw (key, value) bytes for replays of files.
Record = Envelope | tuple[bytes | None, bytes]


@dataclass(frozen=True, slots=True)
class ProduceReport:
    sent: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds > 0 else 0.0


def _encode(record: Record) -> tuple[bytes | None, bytes]:
    if isinstance(record, Envelope):
        return record.entity_key.encode(), record.to_json()
    return record


async def produce(
    settings: Settings,
    records: Iterable[Record] | AsyncIterable[Record],
    *,
    topic: str | None = None,
    rate: float | None = None,
    chunk: int = 500,
) -> ProduceReport:
    """Send every record to ``topic`` (default: the raw events topic) and flush.

    ``rate`` is events per second; ``None`` means as fast as the broker takes them.
    """
    target = topic or settings.topics.events
    await ensure_topics(settings, [target])
    producer = AIOKafkaProducer(
        **client_kwargs(settings.kafka),
        linger_ms=5,
        max_batch_size=256 * 1024,
        compression_type=None,
        enable_idempotence=True,
    )
    await producer.start()
    started = time.perf_counter()
    sent = 0
    step = chunk if rate is None else max(1, min(chunk, int(rate // 50)))
    try:
        async for record in _aiter(records):
            key, value = _encode(record)
            await producer.send(target, value=value, key=key)
            sent += 1
            if sent % step == 0:
                await _pace(sent, started, rate)
        await producer.flush()
    finally:
        await producer.stop()
    return ProduceReport(sent=sent, seconds=time.perf_counter() - started)


async def _pace(sent: int, started: float, rate: float | None) -> None:
    if rate is None:
        await asyncio.sleep(0)
        return
    ahead = sent / rate - (time.perf_counter() - started)
    if ahead > 0:
        await asyncio.sleep(ahead)


async def _aiter(records: Iterable[Record] | AsyncIterable[Record]) -> AsyncIterable[Record]:
    if isinstance(records, AsyncIterable):
        async for r in records:
            yield r
    else:
        for r in records:
            yield r
