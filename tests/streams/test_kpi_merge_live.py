"""The KPI stage's event-time merge does not pass a partition whose typed records are not
readable yet, through the real broker.

A ``read_committed`` reader sees a partition's end (its last stable offset) stop at the
first record of a transaction that is open, or committed with its markers not yet
written. Ingest answers "caught up" as soon as its producer's commit returns, which is
before the markers: right after a broker restart that gap is long. The merge took such a
partition for drained and released the other partitions past it, and the records that
became readable next were late (1,116 events, the broker-outage fault test in CI).
An open transaction here stands in for the unwritten markers: the reader sees the same.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client import CollectorRegistry

from salespulse.settings import Settings
from salespulse.simulate import SimulationConfig, simulate
from streams.kafka_client import client_kwargs, ensure_topics
from streams.kpi_service import KpiService
from streams.metrics import KpiMetrics
from tests.support.kafka import isolated
from tests.support.waiting import until

pytestmark = pytest.mark.kafka


async def test_a_partition_with_typed_records_not_readable_yet_holds_the_merge(
    kafka: Settings, tmp_path: Path
) -> None:
    settings = isolated(kafka, tmp_path)
    await ensure_topics(settings)
    typed = settings.topics.typed
    events: list[Any] = list(simulate(SimulationConfig(seed=3, days=2, scale=0.05)).events)
    earlier, later = events[0], events[-1]
    assert earlier.time < later.time
    plain = AIOKafkaProducer(**client_kwargs(settings.kafka))
    txn = AIOKafkaProducer(
        **client_kwargs(settings.kafka), transactional_id=f"test-{uuid.uuid4().hex[:8]}"
    )
    await plain.start()
    await txn.start()
    service = KpiService(
        settings, KpiMetrics.create(CollectorRegistry()), upstream=lambda p, since: True
    )
    try:
        await txn.begin_transaction()
        await (await txn.send(typed, earlier.to_json(), partition=0))  # appended, not committed
        await plain.send_and_wait(typed, later.to_json(), partition=1)
        await service.start()
        idle = settings.kpi.idle_partition_seconds
        # every other partition is quiet and readable to its end well before this
        await asyncio.sleep(4 * idle + 2.0)
        assert service.engine.applied == 0, "released past a partition not readable yet"
        await txn.commit_transaction()
        await until(lambda: service.engine.applied + service.engine.late >= 2, timeout=30)
    finally:
        await service.stop()
        await txn.stop()
        await plain.stop()
    assert (service.engine.applied, service.engine.late) == (2, 0)
