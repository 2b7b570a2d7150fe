"""The KPI stage stops fetching a partition that runs far ahead of the event-time merge.

Found by the 10-minute soak: without it a restart's replay piled parsed events up in
the merge until the worker held 1.1 GB. The consumer is a stand-in that records
``pause`` / ``resume``; the soak (``bench/soak.py``) is the run through the broker.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from aiokafka import TopicPartition
from prometheus_client import CollectorRegistry

from salespulse.settings import Settings
from streams.kpi_service import (
    CATCH_UP_EVENTS,
    CATCH_UP_SHARE,
    FETCH_WAIT_MS,
    MAX_BUFFERED,
    MIN_FETCH_WAIT_MS,
    PUBLISH_SHARE,
    KpiService,
)
from streams.merge import PartitionMerge
from streams.metrics import KpiMetrics

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class _Consumer:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def pause(self, *tps: TopicPartition) -> None:
        self.calls += [("pause", tp.partition) for tp in tps]

    def resume(self, *tps: TopicPartition) -> None:
        self.calls += [("resume", tp.partition) for tp in tps]


def test_a_partition_far_ahead_is_paused_until_half_of_it_drained() -> None:
    service = KpiService(Settings(), KpiMetrics.create(CollectorRegistry()))
    consumer = _Consumer()
    service._consumer = consumer  # type: ignore[assignment]
    service._tps = {p: TopicPartition("typed", p) for p in (0, 1)}
    merge: PartitionMerge[None] = PartitionMerge((0, 1))
    service._merge = merge  # type: ignore[assignment]
    for offset in range(MAX_BUFFERED + 1):
        merge.push(0, offset, T0, None)
    service._pace_fetching()
    service._pace_fetching()  # paused once, not again
    assert consumer.calls == [("pause", 0)]
    while len(merge.buffers[0]) > MAX_BUFFERED // 2 + 1:
        merge.buffers[0].popleft()
    service._pace_fetching()
    assert consumer.calls == [("pause", 0)]  # above half: still paused
    merge.buffers[0].popleft()
    service._pace_fetching()
    assert consumer.calls == [("pause", 0), ("resume", 0)]


def test_a_fetch_waits_no_longer_than_the_next_publish_is_due() -> None:
    """A fetch that found nothing used to wait its full 100 ms past a due publish."""
    service = KpiService(Settings(), KpiMetrics.create(CollectorRegistry()))
    service._committed, service._applied_next = {0: 0}, {0: 0}
    service._merge = PartitionMerge((0,))  # type: ignore[assignment]
    assert service._fetch_wait_ms() == FETCH_WAIT_MS, "replaying: nothing is published"
    service.replaying = False
    assert service._fetch_wait_ms() == FETCH_WAIT_MS, "nothing pending: nothing to publish"
    service.engine.touched.add(("company", "all"))
    interval = service.settings.kpi.publish_seconds
    service._last_publish = time.monotonic() - interval + 0.03
    assert MIN_FETCH_WAIT_MS <= service._fetch_wait_ms() <= 30
    service._last_publish = time.monotonic() - 10 * interval
    assert service._fetch_wait_ms() == MIN_FETCH_WAIT_MS, "overdue: a short wait, no spin"
    loop = asyncio.new_event_loop()
    try:
        service._inflight = loop.create_future()
        assert service._fetch_wait_ms() == FETCH_WAIT_MS, "a commit in flight: nothing is due"
        service._inflight.set_result(None)
        assert service._fetch_wait_ms() == MIN_FETCH_WAIT_MS
    finally:
        loop.close()


def test_a_stage_catching_up_publishes_a_smaller_share_of_its_time() -> None:
    service = KpiService(Settings(), KpiMetrics.create(CollectorRegistry()))
    merge: PartitionMerge[None] = PartitionMerge((0,))
    service._merge = merge  # type: ignore[assignment]
    service._publish_cost = 0.05  # seconds the last publish computed
    assert service._interval() == 0.05 / PUBLISH_SHARE, "live: a fifth of the time"
    for offset in range(CATCH_UP_EVENTS):
        merge.push(0, offset, T0, None)
    assert service._interval() == 0.05 / CATCH_UP_SHARE, "a backlog waits in the merge"
    service._publish_cost = 0.001
    assert service._interval() == service.settings.kpi.publish_seconds, "never below it"


class _Offsets:
    """Answers position and end offsets; records which of them were asked."""

    def __init__(self, end: int) -> None:
        self.end, self.asked = end, 0

    async def position(self, tp: TopicPartition) -> int:
        return 3

    async def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        self.asked += 1
        return {tp: self.end for tp in tps}


def test_the_lag_probe_asks_for_high_watermarks_only_when_the_merge_waits() -> None:
    service = KpiService(Settings(), KpiMetrics.create(CollectorRegistry()))
    consumer, highs = _Offsets(end=10), _Offsets(end=12)
    service._consumer, service._highs = consumer, highs  # type: ignore[assignment]
    service._tps = {0: TopicPartition("typed", 0)}
    service._last_arrival = {0: time.monotonic()}
    service._merge = PartitionMerge(())  # type: ignore[assignment]  # nothing to wait for
    asyncio.run(service._release())  # the once-a-second probe, for the lag metric
    assert service.lag == {0: 7} and (consumer.asked, highs.asked) == (1, 0)
    service._merge = PartitionMerge((0,))  # type: ignore[assignment]  # partition 0 empty
    asyncio.run(service._release())
    assert service.starved and (consumer.asked, highs.asked) == (2, 1)
