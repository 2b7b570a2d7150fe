"""Latency at a fixed offered load: from producing an event to a KPI record that reflects it.

Method. Events of the mix are sent at a fixed rate with their event time set to the
wall clock at the moment of sending (microseconds), so an event's time *is* its produce
time. Every record on the KPI topic carries the engine's ``watermark``: the newest event
time applied. A record with ``watermark >= t`` therefore reflects every event sent at or
before ``t`` (the KPI stage applies the partitions merged in event-time order). For each
event we find the first KPI record whose watermark reaches its time and take

- ``kpi_*``: that record's Kafka timestamp (CreateTime: set by the worker's transactional
  producer when it sends the record) minus the event's produce time;
- ``visible_*``: when the benchmark's ``read_committed`` consumer received it (after the
  transaction committed: what any downstream reader sees) minus the produce time.

Producer, worker and reader share one clock: the machine's.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import tempfile
import time
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.config import bench_settings, delivering
from bench.mix import Stamper, mix_events
from salespulse.settings import Settings, load_settings
from streams.broker import LocalBroker
from streams.kafka_client import client_kwargs, committed_reader, ensure_topics
from streams.sinks import http_sink
from streams.supervise import worker_process

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Publish:
    watermark_us: int
    created_us: int
    visible_us: int


def _us(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def offered_load(
    settings: Settings,
    stamper: Stamper,
    rate: float,
    seconds: float,
    log: Path,
    quiet_collector: bool = True,
) -> dict[str, float | int]:
    """Start a worker, send ``rate`` events/s for ``seconds``, then wait for the tail."""
    pauses = _no_collector_pauses() if quiet_collector else nullcontext()
    with worker_process(settings, log), pauses:
        return asyncio.run(_measure(settings, stamper, rate, seconds))


@contextmanager
def _no_collector_pauses() -> Iterator[None]:
    """Keep this process's garbage collector from pausing the offered load.

    The benchmark holds the whole mix (~1.1 M objects) and reads every KPI record; a
    full collection here stalled the sender for 0.3-0.6 s, and the events stamped just
    before it reached the worker that much later: they were most of the p99 and the
    max (kpi_max_ms 560 -> 360 in runs with the collector frozen). The worker's own
    collector stays on: its pauses are the pipeline's.
    """
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


async def _measure(
    settings: Settings, stamper: Stamper, rate: float, seconds: float
) -> dict[str, float | int]:
    await ensure_topics(settings)  # the worker made them; wait here for their metadata
    kwargs = client_kwargs(settings.kafka)
    producer = AIOKafkaProducer(
        **kwargs, linger_ms=5, max_batch_size=256 * 1024, enable_idempotence=True
    )
    reader = committed_reader(settings, settings.kpi.topic)
    await producer.start()
    await reader.start()
    publishes: list[Publish] = []
    reading = asyncio.ensure_future(_read(reader, publishes))
    try:
        ready = await _send(producer, settings.topics.events, stamper, min(rate, 200.0), 1.0)
        await _covered(publishes, ready.stamps[-1], timeout=120)  # group joined, stages live
        sent = await _send(producer, settings.topics.events, stamper, rate, seconds)
        tail = max(30.0, 2 * seconds)  # a pipeline slower than the load drains its backlog
        await _covered(publishes, sent.stamps[-1], timeout=tail, required=False)
    finally:
        reading.cancel()
        await asyncio.gather(reading, return_exceptions=True)
        await reader.stop()
        await producer.stop()
    result = summary(sent, publishes)
    typed = await _typed_delays(settings, sent.stamps[0], len(ready.stamps) + len(sent.stamps))
    if typed:
        result["ingest_p50_ms"], result["ingest_p99_ms"] = _pct(typed, 0.5), _pct(typed, 0.99)
    return result


async def _typed_delays(settings: Settings, since_us: int, total: int) -> list[float]:
    """Per measured event (ms): ingest's append of its typed record (CreateTime, stamped
    when ingest adds it to a batch, before its transaction commits) minus its produce
    time. Splits the KPI figure into ingest and what follows it."""
    reader = committed_reader(settings, settings.topics.typed)
    await reader.start()
    delays: list[float] = []
    seen = 0
    try:
        deadline = time.monotonic() + 60
        while seen < total and time.monotonic() < deadline:
            batch = await reader.getmany(timeout_ms=1000)
            for records in batch.values():
                seen += len(records)
                for record in records:
                    stamp = _us(datetime.fromisoformat(orjson.loads(record.value)["time"]))
                    if stamp >= since_us:
                        delays.append((record.timestamp * 1000 - stamp) / 1000)
    finally:
        await reader.stop()
    return delays


@dataclass(frozen=True)
class Sent:
    stamps: list[int]  # produce time of each event, µs since the epoch
    seconds: float


async def _send(
    producer: AIOKafkaProducer, topic: str, stamper: Stamper, rate: float, seconds: float
) -> Sent:
    total, step = max(1, int(rate * seconds)), max(1, int(rate // 50))
    stamps: list[int] = []
    started = time.perf_counter()
    for i in range(1, total + 1):
        key, head, tail = stamper.next()
        now = datetime.now(UTC)
        stamps.append(_us(now))
        await producer.send(topic, head + now.isoformat().encode() + tail, key=key)
        if i % step == 0:
            await asyncio.sleep(max(0.0, i / rate - (time.perf_counter() - started)))
    await producer.flush()
    return Sent(stamps, time.perf_counter() - started)


async def _read(reader: AIOKafkaConsumer, out: list[Publish]) -> None:
    while True:
        batch = await reader.getmany(timeout_ms=200)
        visible = _us(datetime.now(UTC))
        for records in batch.values():
            for record in records:
                watermark = orjson.loads(record.value).get("watermark")
                if watermark:
                    out.append(
                        Publish(
                            _us(datetime.fromisoformat(watermark)),
                            record.timestamp * 1000,
                            visible,
                        )
                    )


async def _covered(
    publishes: list[Publish], stamp: int, timeout: float, required: bool = True
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.watermark_us >= stamp for p in publishes[-50:]):
            return
        await asyncio.sleep(0.05)
    if required:
        raise TimeoutError(f"no KPI record reflected the last event within {timeout:.0f}s")


def latencies(stamps: Sequence[int], publishes: Sequence[Publish], field: str) -> list[float]:
    """Per event (ms): first record, in ``field`` order, whose watermark reaches its time."""
    ordered = sorted(publishes, key=lambda p: getattr(p, field))
    reach: list[int] = []
    for p in ordered:
        reach.append(max(p.watermark_us, reach[-1]) if reach else p.watermark_us)
    out = []
    for stamp in stamps:
        i = bisect_left(reach, stamp)
        if i < len(reach):
            out.append((getattr(ordered[i], field) - stamp) / 1000)
    return out


def _pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 1)


def summary(sent: Sent, publishes: Sequence[Publish]) -> dict[str, float | int]:
    created = latencies(sent.stamps, publishes, "created_us")
    visible = latencies(sent.stamps, publishes, "visible_us")
    if not created:
        raise RuntimeError("no KPI record reflected any event sent under load")
    return {
        "kpi_p50_ms": _pct(created, 0.5),
        "kpi_p99_ms": _pct(created, 0.99),
        "kpi_max_ms": round(max(created), 1),
        "visible_p50_ms": _pct(visible, 0.5) if visible else -1.0,
        "visible_p99_ms": _pct(visible, 0.99) if visible else -1.0,
        "events": len(sent.stamps),
        "reflected": len(created),
        "offered_events_per_s": round(len(sent.stamps) / sent.seconds),
        "processed_events_per_s": round(_processed(sent.stamps, created)),
    }


def _processed(stamps: Sequence[int], created: Sequence[float]) -> float:
    """How fast the KPI records' coverage advanced, in events/s, from the first event
    reflected to the last: about the offered rate when the pipeline kept up, its
    capacity when it fell behind (then the latency grows through the run)."""
    last = len(created) - 1
    span = (stamps[last] + created[last] * 1000 - stamps[0] - created[0] * 1000) / 1e6
    return last / span if span > 0 else 0.0


def main() -> None:
    """``python -m bench.latency``: the fixed-load latency alone, several runs in a row."""
    parser = argparse.ArgumentParser(description="Latency at a fixed offered load.")
    parser.add_argument("--rate", type=int, default=1000, help="Events per second.")
    parser.add_argument("--seconds", type=float, default=15.0, help="Length of the load.")
    parser.add_argument("--runs", type=int, default=3, help="Runs, each with a fresh worker.")
    parser.add_argument(
        "--keep-collector",
        action="store_true",
        help="Leave this process's garbage collector on (how runs before 774007f measured).",
    )
    args = parser.parse_args()
    settings = load_settings()
    stamper = Stamper(mix_events(200_000))
    with LocalBroker(settings), tempfile.TemporaryDirectory() as tmp, http_sink() as sink:
        work = Path(tmp)
        for run in range(args.runs):
            cfg = delivering(bench_settings(settings, work), work, sink.webhook_url)
            log = work / f"latency-{run}.log"
            quiet = not args.keep_collector
            result = offered_load(cfg, stamper, args.rate, args.seconds, log, quiet)
            print(orjson.dumps(result).decode(), flush=True)


if __name__ == "__main__":
    main()
