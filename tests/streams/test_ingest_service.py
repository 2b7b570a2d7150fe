"""The ingest stage's backlog probe survives a rebalance and a broker away.

The consumer is a small stand-in: the race (a partition revoked while the probe awaits
the broker) cannot be timed on purpose through a real broker; the lost-worker fault
test in ``tests/faults`` is the one that found it there.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import ConsumerStoppedError, IllegalStateError, KafkaTimeoutError
from prometheus_client import CollectorRegistry

from salespulse.ingest.handoff import ValidatedHandoff
from salespulse.settings import Settings
from streams.ingest_service import IngestService
from streams.metrics import IngestMetrics


class _Consumer:
    def __init__(
        self,
        owned: set[int],
        ends: dict[int, int],
        revoke: set[int],
        group: dict[int, int] | None = None,
    ) -> None:
        self.owned, self.ends, self.revoke = owned, ends, revoke
        self.group = group or {}  # the ingest group's committed offsets, any owner
        self.fail_ends = False

    def partitions_for_topic(self, topic: str) -> set[int]:
        return set(self.ends)

    async def committed(self, tp: TopicPartition) -> int | None:
        return self.group.get(tp.partition)

    def assignment(self) -> set[TopicPartition]:
        return {TopicPartition("events", p) for p in self.owned}

    async def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        if self.fail_ends:
            raise KafkaTimeoutError()
        self.owned -= self.revoke  # a rebalance lands while the broker answers
        return {tp: self.ends[tp.partition] for tp in tps}

    async def position(self, tp: TopicPartition) -> int:
        if tp.partition not in self.owned:
            raise IllegalStateError(f"Partition {tp} is not assigned")
        return 10


def _service(consumer: Any) -> IngestService:
    service = IngestService(Settings(), IngestMetrics.create(CollectorRegistry()))
    assert service.watch_peers  # this worker runs the KPI stage (the default)
    service._consumer = consumer
    return service


async def test_a_partition_revoked_during_the_probe_is_skipped_not_fatal() -> None:
    service = _service(_Consumer(owned={0, 1}, ends={0: 10, 1: 50}, revoke={1}))
    await service._measure_backlog()
    assert service.caught_up(0)
    assert not service.caught_up(1)  # revoked mid-probe: still counted as backlog
    assert service.lag == {0: 0}


async def test_a_broker_away_keeps_the_last_answer() -> None:
    consumer = _Consumer(owned={0}, ends={0: 25}, revoke=set())
    service = _service(consumer)
    await service._measure_backlog()
    consumer.fail_ends = True
    await service._measure_backlog()
    assert service.lag == {0: 15}
    assert not service.caught_up(0)


async def test_a_partition_another_worker_ingests_is_judged_by_the_group_offset() -> None:
    """The two-worker stall: the KPI stage waited forever on partitions it could not see."""
    consumer = _Consumer(owned={0}, ends={0: 10, 1: 50}, revoke=set(), group={1: 40})
    service = _service(consumer)
    await service._measure_backlog()
    assert not service.caught_up(1)  # the peer has 10 messages left to type
    consumer.group[1] = 50
    await service._measure_backlog()
    assert service.caught_up(1) and service.caught_up(0)
    assert service.lag == {0: 0}  # a peer's lag is its own to report


async def test_ingest_waits_on_a_full_handoff_only_while_the_reader_is_busy() -> None:
    """A full handoff means the KPI stage is behind; but when its merge starves for a
    partition's events, those are the ones ingest has yet to forward: no wait then."""
    handoff = ValidatedHandoff(1)
    service = IngestService(Settings(), IngestMetrics.create(CollectorRegistry()), handoff)
    handoff.put(b"raw", object())  # type: ignore[arg-type]
    assert handoff.full()
    starved = True
    service.reader_starved = lambda: starved
    started = time.monotonic()
    await service._let_the_reader_catch_up()
    assert time.monotonic() - started < 0.1  # returned at once
    starved = False
    started = time.monotonic()
    await service._let_the_reader_catch_up()
    assert time.monotonic() - started >= 0.9  # waited for the reader, a second at most


async def test_an_answer_older_than_asked_for_is_not_caught_up() -> None:
    """The KPI stage asks for an answer measured after its partition went quiet: a
    burst that began later may hold raw events of that partition not typed yet."""
    service = _service(_Consumer(owned={0}, ends={0: 10}, revoke=set()))
    before = time.monotonic()
    await service._measure_backlog()
    assert service.caught_up(0, since=before)
    assert not service.caught_up(0, since=time.monotonic() + 0.001)
    await asyncio.sleep(0.01)
    later = time.monotonic()
    await service._measure_backlog()
    assert service.caught_up(0, since=later)


class _Rebalancing(_Consumer):
    """Hands out one batch of partition 0, a rebalance landing during the fetch or not,
    then stops; records where the loop rewinds to."""

    def __init__(self, service: IngestService, revoke_during_fetch: bool) -> None:
        super().__init__(owned={0}, ends={0: 10}, revoke=set(), group={0: 7})
        self.service, self.revoke_during_fetch, self.calls = service, revoke_during_fetch, 0
        self.seeks: list[tuple[int, int]] = []

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[Any, list[Any]]:
        self.calls += 1
        if self.calls > 1:
            raise ConsumerStoppedError()
        if self.revoke_during_fetch:
            await self.service._rebalance.on_partitions_revoked(set())
        return {TopicPartition("events", 0): [object()]}

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks.append((tp.partition, offset))


async def _consume_once(revoke_during_fetch: bool) -> tuple[list[str], list[tuple[int, int]]]:
    service = _service(None)
    consumer = _Rebalancing(service, revoke_during_fetch)
    service._consumer = consumer  # type: ignore[assignment]
    seen: list[str] = []

    async def process(batch: Any) -> None:
        seen.append("begun")
        await asyncio.sleep(0.05)  # a revocation arriving now must wait for the commit
        seen.append("committed")

    service._process = process  # type: ignore[method-assign]

    async def revoke_later() -> None:
        while not seen:
            await asyncio.sleep(0.001)
        await service._rebalance.on_partitions_revoked(set())
        seen.append("revoked")

    revoker = asyncio.ensure_future(revoke_later())
    await IngestService._consume(service)  # the task body, run once here
    if not revoke_during_fetch:
        await revoker
    revoker.cancel()
    return seen, consumer.seeks


async def test_a_batch_fetched_across_a_rebalance_is_dropped_and_its_partitions_rewound() -> None:
    """Typing it would race the partitions' new owner (a batch typed twice). Records
    fetched after the new assignment have moved the position past them: without the
    rewind to the committed offset they would be skipped for good."""
    seen, seeks = await _consume_once(revoke_during_fetch=True)
    assert seen == []
    assert seeks == [(0, 7)]


async def test_a_rebalance_waits_for_the_batch_being_committed() -> None:
    seen, seeks = await _consume_once(revoke_during_fetch=False)
    assert seen == ["begun", "committed", "revoked"]
    assert seeks == []


async def test_a_revocation_waits_until_the_committed_offsets_read_back() -> None:
    """The broker writes a transaction's markers after the commit returned; until then
    the group answers with the older offset, and the new owner would type again from it."""
    consumer = _Consumer(owned={0}, ends={0: 10}, revoke=set(), group={0: 7})
    service = _service(consumer)
    service._committed[TopicPartition("events", 0)] = 10

    async def markers_written() -> None:
        await asyncio.sleep(0.1)
        consumer.group[0] = 10

    writer = asyncio.ensure_future(markers_written())
    started = time.monotonic()
    await service._rebalance.on_partitions_revoked(set())
    assert time.monotonic() - started >= 0.1 and writer.done()
    assert service._committed == {}  # eager rebalancing: nothing of it is this worker's
