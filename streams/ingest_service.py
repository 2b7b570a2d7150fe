"""Ingest as a batch consumer inside the worker: raw topic -> typed topic or DLQ.

Why not a Faust agent: measured on this machine, a Faust agent forwarding one
message at a time ran at ~1.9k events/s (0.009 of plain aiokafka on the same
topic) because of Faust's per-message path. Here one ``getmany`` batch is
validated in a tight loop and its outputs and input offsets are committed in one
Kafka transaction, so a crash or restart never loses a message and never
forwards one twice (consumers of the outputs read committed data only).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from aiokafka import AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import ConsumerStoppedError, IllegalStateError, KafkaError
from mode import Service

from salespulse.ingest.dead_letter import KEY_BYTES
from salespulse.ingest.handoff import ValidatedHandoff
from salespulse.settings import Settings
from streams.ingest_route import IngestRouter
from streams.kafka_client import stage_clients
from streams.metrics import IngestMetrics
from streams.stage import KafkaStage

log = logging.getLogger(__name__)


#: seconds a revocation waits for this worker's committed offsets to become readable
#: before it lets the rebalance go on (and risks the new owner typing a batch again)
_VISIBLE_SECONDS = 10.0


class _CommitBeforeRevoke(ConsumerRebalanceListener):
    """A rebalance waits for the batch in its transaction, and voids a batch not begun.

    Two things let a partition's new owner read an offset older than the last batch
    committed, and type that batch again (when a second worker joined: 316 to 2,000 events
    typed twice in local runs; in CI an opening snapshot counted late by the KPI stage):

    - aiokafka's ``send_offsets_to_transaction`` (TxnOffsetCommit v0) is not fenced by
      the group generation, so a batch committed after the rebalance still counts;
    - a committed transaction's offsets are readable only once the broker has written
      its markers, after the producer's commit returned, and aiokafka's OffsetFetch
      (v3, no ``require_stable``) answers with the older offset meanwhile.

    The eager protocol revokes every partition before the group re-forms: holding the
    revocation until the batch is committed and its offsets read back (``settle``)
    means the new owner starts where this worker stopped.
    """

    def __init__(self, settle: Callable[[], Awaitable[None]]) -> None:
        self.lock = asyncio.Lock()  # held while a batch is typed and committed
        self.rebalances = 0
        self.settle = settle

    async def on_partitions_revoked(self, revoked: Any) -> None:
        async with self.lock:
            self.rebalances += 1
            await self.settle()

    async def on_partitions_assigned(self, assigned: Any) -> None:
        return None


class IngestService(KafkaStage):
    """Consume, validate, produce and commit offsets atomically, one batch at a time."""

    def __init__(
        self,
        settings: Settings,
        metrics: IngestMetrics,
        handoff: ValidatedHandoff | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.metrics = metrics
        self.handoff = handoff
        #: True while the reader of ``handoff`` waits for events (set by the worker)
        self.reader_starved: Callable[[], bool] = lambda: False
        self.router = IngestRouter(settings, metrics, handoff)
        self.group_id = f"{settings.worker.app_id}.ingest"
        self._backlog: dict[int, bool] = {}
        self._measured: dict[int, float] = {}  # monotonic time each backlog answer was asked
        self._probed = 0.0  # monotonic time of the last end-offset probe
        self.watch_peers = settings.worker.run_kpis
        self.lag: dict[int, int] = {}  # messages behind the end, per assigned partition
        self.transactions_retried = metrics.transactions_retried
        self._rebalance = _CommitBeforeRevoke(self._until_offsets_readable)
        #: the offset this worker last committed per partition, since its last revocation
        self._committed: dict[TopicPartition, int] = {}

    async def on_start(self) -> None:
        consumer, producer = stage_clients(self.settings, self.group_id)
        consumer.subscribe([self.settings.topics.events], listener=self._rebalance)
        await self._start_clients(consumer, producer)

    @Service.task
    async def _consume(self) -> None:
        assert self._consumer is not None
        size = self.settings.ingest.batch_size
        wait_ms = int(self.settings.ingest.batch_within_seconds * 1000)
        rebalance = self._rebalance
        while not self.should_stop:
            await self._let_the_reader_catch_up()
            generation = rebalance.rebalances
            try:
                batch = await self._consumer.getmany(timeout_ms=wait_ms, max_records=size)
            except ConsumerStoppedError:
                return  # stopping: the consumer was closed under the loop
            if batch:
                async with rebalance.lock:
                    # fetched across a rebalance: typing it would race the partitions'
                    # new owner (and records fetched after it moved this consumer's
                    # position, so dropping them without a rewind would skip them)
                    again = rebalance.rebalances != generation
                    if not again:
                        try:
                            await self._process(batch)
                        except KafkaError as error:  # not committed: as after a restart
                            await self._settle_failed(error)
                            again = True
                if again:
                    await self._rewind_to_commits()
                    continue
            if sum(map(len, batch.values())) < size or time.monotonic() - self._probed >= 1.0:
                await self._measure_backlog()
            else:  # a full batch: more is waiting, and the broker need not be asked
                for tp in batch:
                    self._backlog[tp.partition] = True

    async def _let_the_reader_catch_up(self) -> None:
        """Wait (a second at most) while this process's KPI stage is a handoff behind.

        Running further ahead buys nothing when both stages share one process and core,
        and the events it validated would be evicted before the KPI stage reads them, to
        be validated again. Never while the KPI stage's merge waits for a partition's
        events: those are the ones ingest has yet to forward (waiting then idled the
        worker 40 % of a backlog, measured). Bounded: a KPI stage busy replaying never
        stops ingest.
        """
        handoff = self.handoff
        if handoff is None:
            return
        deadline = time.monotonic() + 1.0
        while (
            handoff.full()
            and not self.reader_starved()
            and time.monotonic() < deadline
            and not self.should_stop
        ):
            await asyncio.sleep(0.005)

    async def _measure_backlog(self) -> None:
        """Ask the broker for end offsets: the fetcher's cached ones lag behind its buffer.

        Partitions another worker ingests are measured too when this worker runs the
        KPI stage, which has to tell their quiet typed partitions from stalled ones.
        """
        consumer = self._consumer
        assert consumer is not None
        self._probed = asked = time.monotonic()  # the answers reflect no earlier state
        topic = self.settings.topics.events
        assigned = list(consumer.assignment())
        peers: list[TopicPartition] = []
        if self.watch_peers:
            local = {tp.partition for tp in assigned}
            known = consumer.partitions_for_topic(topic) or set()
            peers = [TopicPartition(topic, p) for p in sorted(known - local)]
        if not assigned and not peers:
            return
        try:
            ends = await consumer.end_offsets(assigned + peers)
            committed = {tp: await consumer.committed(tp) or 0 for tp in peers}
        except KafkaError as exc:  # broker away: keep the last answer, the next batch asks again
            log.warning("end offsets unavailable, backlog not updated: %r", exc)
            return
        for tp in assigned:
            try:
                position = await consumer.position(tp)
            except IllegalStateError:
                continue  # revoked by a rebalance during the awaits: its new owner measures it
            behind = ends[tp] - position
            self._backlog[tp.partition] = behind > 0
            self._measured[tp.partition] = asked
            self.lag[tp.partition] = max(0, behind)
        for tp in peers:
            # its owner commits the group's offset in the transaction that writes the
            # typed events: at the end offset, nothing of it is left to type. A peer that
            # dies mid-batch never committed that batch, so its partition stays backlogged
            # until the survivor that takes it over has typed it.
            self._backlog[tp.partition] = committed[tp] < ends[tp]
            self._measured[tp.partition] = asked
            self.lag.pop(tp.partition, None)  # reported by the worker that owns it

    async def _forward(
        self,
        producer: AIOKafkaProducer,
        partition: int,
        records: list[Any],
        sent: list[asyncio.Future[Any]],
    ) -> None:
        """Valid events go to the typed topic's partition of the same number, in order;
        each send's acknowledgement joins ``sent``.

        They are appended to record batches built here: one ``send`` per message was a
        quarter of the worker's CPU (profiled), a batch append a fraction of that.
        """
        typed, dlq = self.settings.topics.typed, self.settings.topics.dlq
        builder = producer.create_batch()
        try:
            for record in records:
                valid, value, headers = self.router.route(record)
                if not valid:
                    key = record.key[:KEY_BYTES] if record.key else record.key
                    sent.append(await producer.send(dlq, value=value, key=key, headers=headers))
                    continue
                if builder.append(key=record.key, value=value, timestamp=None, headers=headers):
                    continue
                sent.append(await producer.send_batch(builder, typed, partition=partition))
                builder = producer.create_batch()
                builder.append(key=record.key, value=value, timestamp=None, headers=headers)
            if builder.record_count():
                sent.append(await producer.send_batch(builder, typed, partition=partition))
        finally:
            self.router.count()  # what was routed, as a route per event counted it

    async def _until_offsets_readable(self) -> None:
        """Wait until the group answers with the offsets this worker committed.

        Bounded: a broker too slow to answer lets the rebalance go on after
        ``_VISIBLE_SECONDS`` (a batch may then be typed twice, never lost).
        """
        consumer, pending = self._consumer, dict(self._committed)
        self._committed.clear()  # eager rebalancing: none of them is ours any more
        if consumer is None:
            return
        deadline = time.monotonic() + _VISIBLE_SECONDS
        while pending:
            for tp, offset in list(pending.items()):
                # aiokafka retries a broker away inside ``committed``: bound each call too
                left = max(0.1, deadline - time.monotonic())
                with contextlib.suppress(KafkaError, asyncio.TimeoutError):
                    if (await asyncio.wait_for(consumer.committed(tp), left) or 0) >= offset:
                        del pending[tp]
            if not pending:
                return
            if time.monotonic() > deadline:
                log.warning(
                    "ingest: committed offsets %s not readable after %.0f s; their new "
                    "owner may type those batches again",
                    pending,
                    _VISIBLE_SECONDS,
                )
                return
            await asyncio.sleep(0.01)

    async def _settle_failed(self, error: KafkaError) -> None:
        """Make the failed transaction's batch count as never typed.

        The renewed producer fences the old one, so the broker aborts what it left open
        (a rebalance waits for this: the next owner must not read offsets that a
        commit still in flight would move). The router's id window is new too, or the
        batch's events would be rejected as duplicates of themselves when typed again.
        """
        await self._renew_producer(error)
        self.router = IngestRouter(self.settings, self.metrics, self.handoff)

    async def _rewind_to_commits(self) -> None:
        """Type again from the committed offsets, as a restarted worker would.

        Partitions a rebalance took away meanwhile are their new owner's to rewind.
        """
        consumer = self._consumer
        assert consumer is not None
        for tp in list(consumer.assignment()):
            committed = await self._retrying(partial(consumer.committed, tp))
            try:
                if committed is None:
                    await consumer.seek_to_beginning(tp)
                else:
                    consumer.seek(tp, committed)
            except IllegalStateError:
                continue
            self._backlog[tp.partition] = True
        log.info("ingest: typing again from the committed offsets")

    def caught_up(self, partition: int, since: float = 0.0) -> bool:
        """False while this worker still has raw messages of ``partition`` to forward, or
        has not measured it since ``since`` (monotonic seconds).

        The KPI stage uses it to tell a quiet typed partition from a stalled one. A
        partition this worker has not measured yet counts as backlogged: at start-up the
        KPI stage must not run ahead on the partitions ingest happened to fetch first.
        An answer older than the moment the KPI stage saw the partition go quiet says
        nothing about a burst that began after it: during a burst of full batches ingest
        measures once a second, and with a 0.2 s idle wait the KPI stage ran ahead of a
        lost peer's partitions on such an answer (3,158 events late, CI).
        """
        if self._measured.get(partition, float("-inf")) < since:
            return False
        return not self._backlog.get(partition, True)  # not measured yet: assume backlog

    async def _process(self, batch: dict[TopicPartition, list[Any]]) -> None:
        producer = self._producer
        assert producer is not None
        offsets: dict[TopicPartition, int] = {}
        sent: list[asyncio.Future[Any]] = []
        async with producer.transaction():
            try:
                for tp, records in batch.items():
                    self.metrics.batch(len(records))
                    await self._forward(producer, tp.partition, records, sent)
                    offsets[tp] = records[-1].offset + 1
                # every output acknowledged before the offsets join the transaction: a
                # refused record aborts the batch instead of being counted and lost. One
                # wait for all partitions: a wait per partition was a produce round trip
                # each, most of a batch's time at 1,000 events/s (measured)
                await asyncio.gather(*sent)
            except BaseException:
                for future in sent:  # the transaction aborts: their outcome is not needed
                    future.add_done_callback(_retrieved)
                raise
            await producer.send_offsets_to_transaction(offsets, self.group_id)
        self._committed.update(offsets)


def _retrieved(future: asyncio.Future[Any]) -> None:
    """Mark a send's failure as handled: its transaction aborted for another reason."""
    if not future.cancelled():
        future.exception()
