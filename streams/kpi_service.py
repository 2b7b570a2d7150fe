"""The KPI stage: typed events -> KPI engine -> ``sales.kpis``, exactly once.

Design (see docs/kpis.md and the module docs of ``streams.merge``):
- one consumer reads *all* partitions of the typed topic (``read_committed``) and
  feeds the engine in event-time order through ``PartitionMerge``;
- events are deduplicated by id (ingest's horizon): a typed duplicate left by an
  ingest rebalance is counted once;
- every ``publish_seconds`` one Kafka transaction carries the changed KPI values,
  the ``late`` dead letters and the offsets of the events applied so far;
- on start the committed offsets are read and the typed topic is replayed from the
  beginning up to them with publishing off, which rebuilds the exact engine state
  (the typed topic is created with unlimited retention for that reason);
- when an applied event closes a local day (``detectors.daily``), the day is judged
  at that very point of the event sequence and its anomaly records ride in the same
  transaction; a replay judges the same days at the same points and drops the records,
  which the committed transaction already carried.
A crash therefore neither loses an event nor counts one twice, nor repeats an anomaly.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import ConsumerStoppedError, KafkaError
from mode import Service

from detectors.daily import DailyJudge
from detectors.monitor import KpiMonitor
from detectors.policy import load_policy
from detectors.record import AnomalyRecord
from salespulse.events import SalesEvent, parse_event
from salespulse.ingest import DeadLetterReason, FieldError, Rejection, dead_letter
from salespulse.ingest.dedup import DedupWindow
from salespulse.ingest.handoff import ValidatedHandoff
from salespulse.kpis import KpiEngine, KpiValue
from salespulse.kpis.compute import OpportunityScores, all_values, plan
from salespulse.kpis.entities import Series
from salespulse.settings import Settings
from streams.kafka_client import high_watermark_reader, partition_ids, stage_clients
from streams.keyed_batches import KeyedBatches
from streams.kpi_output import encode_anomaly, encode_value, publishable
from streams.merge import PartitionMerge
from streams.metrics import KpiMetrics
from streams.stage import STOP_SECONDS, KafkaStage

log = logging.getLogger(__name__)
Record = Any
MAX_BUFFERED = 20_000  # parsed events one partition may hold ahead of the merge
#: the share of the stage's time publishing may take: under a backlog the interval
#: stretches to keep it (more events coalesced per publish), at low load it is
#: ``publish_seconds``
PUBLISH_SHARE = 0.2
#: catching up (more events parsed and waiting than a live second brings), publishing
#: takes at most this share instead: KPI records every ~0.5 s rather than every ~0.12 s
#: while a backlog drains, 5-8 % more events/s (docs/performance.md); live traffic never
#: holds this many, so its latency is untouched
CATCH_UP_SHARE = 0.05
CATCH_UP_EVENTS = 5000
PUBLISH_CHUNK = 8  # series computed between two yields to the event loop
FETCH_WAIT_MS = 100  # a fetch's wait for records when no publish is pending
MIN_FETCH_WAIT_MS = 5
SCORE_CHUNK = 500  # open deals scored between two yields (~4 ms)


class KpiService(KafkaStage):
    def __init__(
        self,
        settings: Settings,
        metrics: KpiMetrics,
        upstream: Callable[[int, float], bool] | None = None,
        handoff: ValidatedHandoff | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.handoff = handoff
        #: (partition, since) -> ingest has nothing of it left to type, measured since then
        self.upstream_caught_up = upstream or (lambda partition, since: True)
        self.settings = settings
        self.metrics = metrics
        self.engine = KpiEngine(settings.kpi.engine_config())
        self.group_id = f"{settings.worker.app_id}.kpi"
        self.current: dict[tuple[str, str, str, str], KpiValue] = {}
        self.replaying = True
        self._merge: PartitionMerge[tuple[SalesEvent, Record]] | None = None
        self._tps: dict[int, TopicPartition] = {}
        self._applied_next: dict[int, int] = {}
        self._committed: dict[int, int] = {}
        self._late: list[tuple[Record, SalesEvent]] = []
        ingest = settings.ingest
        self._dedup = DedupWindow(ingest.dedup_horizon_seconds, ingest.dedup_max_ids)
        self.judge = _daily_judge(settings)
        self._anomalies: list[AnomalyRecord] = []
        self._batches: KeyedBatches | None = None
        self._inflight: asyncio.Future[None] | None = None  # the transaction being committed
        self._last_publish = time.monotonic()
        self._publish_cost = 0.0  # seconds the last publish computed
        self._scored = float("-inf")  # monotonic time opportunity scores were last computed
        self._last_arrival: dict[int, float] = {}
        self._burst_start = 0.0
        self._idle = settings.kpi.idle_partition_seconds
        self._probed = 0.0  # monotonic time of the last end-offset probe
        self._highs: AIOKafkaConsumer | None = None  # asks for the typed topic's high watermarks
        self._paused: set[int] = set()  # partitions not fetched while their buffer drains
        self.lag: dict[int, int] = {}  # messages behind the typed topic's end, per partition
        self.transactions_retried = metrics.transactions_retried
        #: the merge waits for a partition with nothing buffered (its events not typed yet)
        self.starved = False

    async def on_start(self) -> None:
        topic = self.settings.topics.typed
        await self._start_clients(*stage_clients(self.settings, self.group_id))
        assert self._consumer is not None and self._producer is not None
        self._batches = KeyedBatches(self._producer)
        self._highs = high_watermark_reader(self.settings)
        await self._highs.start()
        partitions = await partition_ids(self.settings, topic)
        self._tps = {p: TopicPartition(topic, p) for p in partitions}
        self._consumer.assign(list(self._tps.values()))
        await self._consumer.seek_to_beginning(*self._tps.values())
        self._merge = PartitionMerge(tuple(partitions))
        started = time.monotonic()
        for p, tp in self._tps.items():
            self._last_arrival[p] = started  # a partition is not idle before it could answer
            self._committed[p] = await self._consumer.committed(tp) or 0
            self._applied_next[p] = 0
            self._merge.hold_from(p, self._committed[p])
        self.replaying = any(self._committed.values())
        if not self.replaying:
            self._merge.release_limits()
        log.info("KPI stage starting; replaying up to %s", self._committed)

    @Service.task
    async def _run(self) -> None:
        await self._run_loop(self._consume)

    async def _consume(self) -> None:
        assert self._consumer is not None and self._merge is not None
        while not self.should_stop:
            try:
                wait_ms = self._fetch_wait_ms()
                batch = await self._consumer.getmany(timeout_ms=wait_ms, max_records=5000)
            except ConsumerStoppedError:
                return  # stopping: the consumer was closed under the loop
            now = time.monotonic()
            if batch and now - max(self._last_arrival.values()) >= self._idle:
                self._burst_start = now  # traffic resumes: give every partition time to show up
            for tp, records in batch.items():
                self._last_arrival[tp.partition] = now
                for record in records:
                    self._buffer(tp.partition, record)
            await self._release()
            self._pace_fetching()
            if self.replaying and self._replayed():
                self._finish_replay()
            elif not self.replaying and self._due():
                await self._publish()

    def _buffer(self, partition: int, record: Record) -> None:
        assert self._merge is not None
        handoff = self.handoff
        event = handoff.take(record.value) if handoff is not None else None
        try:
            if event is None:
                event = parse_event(record.value)
        except ValueError:
            log.warning("skipping undecodable typed record at %s/%s", partition, record.offset)
            self._applied_next[partition] = record.offset + 1
            return
        self._merge.push(partition, record.offset, event.time, (event, record))

    def _pace_fetching(self) -> None:
        """Pause fetching a partition whose buffered events wait for the others.

        The merge releases in event-time order, so a partition that arrives faster than
        the slowest one piles up parsed events; in a 10-minute soak the restart's replay
        grew the worker to 1.1 GB that way. A paused partition has events buffered, so
        it never is the one the merge waits for.
        """
        assert self._merge is not None and self._consumer is not None
        for partition, tp in self._tps.items():
            held = len(self._merge.buffers[partition])
            if held > MAX_BUFFERED and partition not in self._paused:
                self._consumer.pause(tp)
                self._paused.add(partition)
            elif held <= MAX_BUFFERED // 2 and partition in self._paused:
                self._consumer.resume(tp)
                self._paused.discard(partition)

    async def _release(self) -> None:
        """Apply what the merge can release; ask the broker for end offsets only when an
        empty partition holds the merge back (or once a second, for the lag metric).

        A probe is a request queued behind the consumer's fetch on the same connection;
        made on every loop it was most of the stage's time on a backlog, where partitions
        are rarely empty and the answer is not needed.
        """
        assert self._merge is not None and self._consumer is not None
        assert self._highs is not None
        held_back = False

        def not_asked_yet(partition: int) -> bool:
            nonlocal held_back
            held_back = True
            return False  # nothing known yet: wait (the safe answer)

        self._apply(self._merge.release(not_asked_yet))
        self.starved = held_back
        now = time.monotonic()
        if not held_back and now - self._probed < 1.0:
            return
        # ingest's answers are taken before the broker is asked: one given during the
        # probe can be about records the probe's end offsets do not cover yet
        quiet = {p: self._quiet(p, now) for p in self._tps}
        tps = list(self._tps.values())
        positions = {p: await self._consumer.position(tp) for p, tp in self._tps.items()}
        # ask the broker: the fetcher's cached end offsets lag behind records it has buffered;
        # the lag alone needs no high watermarks, only the merge's question does
        asks = [self._consumer.end_offsets(tps)]
        if held_back:
            asks.append(self._highs.end_offsets(tps))
        try:
            answers = await asyncio.gather(*asks)
        except KafkaError as exc:  # broker away: release nothing until it answers again
            log.warning("end offsets unavailable, nothing released this round: %r", exc)
            return
        ends, highs = answers[0], (answers[1] if held_back else {})
        self._probed = now
        last_stable = {p: ends.get(tp) for p, tp in self._tps.items()}
        self.lag = {p: max(0, (last_stable[p] or 0) - positions[p]) for p in self._tps}
        if not held_back:
            return

        def caught_up(p: int) -> bool:
            """Read to the end, nothing past it that is not readable yet, and quiet."""
            stable, high = last_stable[p], highs.get(self._tps[p])
            return (
                stable is not None
                and positions[p] >= stable
                # records beyond the stable end: a transaction open or its commit markers
                # not written yet (seconds after a broker restart); ingest has already
                # answered "typed" for them, and they may be older than the others' heads
                and high is not None
                and high <= stable
                and quiet[p]
            )

        self._apply(self._merge.release(caught_up), (positions, last_stable))

    def _quiet(self, partition: int, now: float) -> bool:
        """No arrival for the idle wait, and ingest has nothing of it left to type.

        Ingest's answer must be younger than the quiet wait: a burst that began after it
        could have raw events of this partition not typed yet.
        """
        quiet_from = max(self._last_arrival[partition], self._burst_start)
        return now - quiet_from >= self._idle and self.upstream_caught_up(
            partition, quiet_from + self._idle
        )

    def _apply(
        self, released: list[tuple[int, int, tuple[SalesEvent, Record]]], probe: object = None
    ) -> None:
        applied = 0
        for partition, offset, item in released:
            event, record = item
            if self._dedup.seen(event.id, event.time.timestamp()):
                # the same event typed twice (an ingest rebalance re-forwards a batch whose
                # commit it lost): counted once, like everything else here
                self.metrics.duplicates.inc()
                self._applied_next[partition] = offset + 1
                continue
            if not self.engine.apply(event):
                self.metrics.late.inc()
                if self.engine.late <= 3:  # enough to diagnose, never a flood
                    log.warning(
                        "late %s at %s on p%s/%s (watermark %s); (positions, ends) %s",
                        event.type,
                        event.time,
                        partition,
                        offset,
                        self.engine.watermark,
                        probe,
                    )
                if not self.replaying:
                    self._late.append((record, event))
            else:
                applied += 1
                if self.judge is not None and self.judge.due(self.engine):
                    self._judge_days()
            self._applied_next[partition] = offset + 1
        if applied:
            self.metrics.applied.inc(applied)  # once per release: a counter takes a lock

    def _judge_days(self) -> None:
        assert self.judge is not None
        started = time.perf_counter()
        records = self.judge.judge(self.engine)
        self.metrics.judge_seconds.observe(time.perf_counter() - started)
        if self.replaying:
            return  # published by the transaction that committed these events
        for record in records:
            if record.status == "firing":
                self.metrics.anomaly(record.kpi, record.severity)
        self._anomalies.extend(records)

    def _replayed(self) -> bool:
        return all(self._applied_next[p] >= c for p, c in self._committed.items())

    def _finish_replay(self) -> None:
        assert self._merge is not None
        self._merge.release_limits()
        self.replaying = False
        self.engine.touched.clear()
        self.current = {v.series_id: v for v in all_values(self.engine, scores=False)}
        log.info("KPI stage replayed %s events; live", self.engine.applied)

    def _interval(self) -> float:
        assert self._merge is not None
        share = CATCH_UP_SHARE if self._merge.buffered() >= CATCH_UP_EVENTS else PUBLISH_SHARE
        return max(self.settings.kpi.publish_seconds, self._publish_cost / share)

    def _due(self) -> bool:
        if not self._settled():
            return False
        waited = time.monotonic() - self._last_publish
        return waited >= self._interval() and self._pending()

    def _fetch_wait_ms(self) -> int:
        """How long a fetch may wait for records: not past the next publish.

        With a fixed 100 ms a fetch that found nothing could hold a due publish back
        until it timed out (at ``publish_seconds`` 0.1, up to twice the interval). While
        a commit is in flight nothing can be published, and the wait stays 100 ms: a
        commit held open by a broker outage made this loop, and its end-offset probes,
        run every 5 ms until the broker came back.
        """
        inflight = self._inflight
        if self.replaying or not self._pending() or (inflight is not None and not inflight.done()):
            return FETCH_WAIT_MS
        left = self._interval() - (time.monotonic() - self._last_publish)
        return min(FETCH_WAIT_MS, max(MIN_FETCH_WAIT_MS, int(left * 1000)))

    def _offsets_moved(self) -> bool:
        return any(self._applied_next[p] > c for p, c in self._committed.items())

    def _pending(self) -> bool:
        """Something applied waits for a transaction (values, records, letters, offsets)."""
        return bool(self.engine.touched or self._late or self._anomalies or self._offsets_moved())

    def all_committed(self) -> bool:
        """Live, and every applied event's outputs and offset are in a committed
        transaction: what a reader of the output topics waits for (``GET /kpis``)."""
        inflight = self._inflight
        return not self.replaying and (inflight is None or inflight.done()) and not self._pending()

    async def _publish(self) -> None:
        """Take what is due (changed values, anomaly records, late letters, offsets) and
        commit it in one transaction in the background.

        The loop goes on applying events meanwhile instead of waiting for the broker's
        answers (a commit is several round trips, at up to ten publishes a second). One
        transaction is in flight at a time; its offsets are those of the values it
        carries, so a crash during it loses or repeats nothing.
        """
        # the interval runs from start to start: computing the values (~20 ms at 40
        # series, yielding to ingest in between) used to add to it on every publish
        started = time.monotonic()
        touched, self.engine.touched = self.engine.touched, set()
        changed, self._publish_cost = await self._changed_values(sorted(touched))
        watermark = self.engine.watermark
        stamp = self.engine.clock()["watermark"]  # formatted once, not once per value
        outputs = [
            (self.settings.kpi.topic, [encode_value(v, stamp) for v in changed]),
            (self.settings.detectors.topic, [encode_anomaly(a) for a in self._anomalies]),
            (
                self.settings.topics.dlq,
                [(record.key, self._late_letter(record, event)) for record, event in self._late],
            ),
        ]
        offsets = {self._tps[p]: n for p, n in self._applied_next.items() if n}
        self._late, self._anomalies = [], []
        self._last_publish = started
        self._inflight = asyncio.ensure_future(self._commit(outputs, offsets, len(changed)))
        if changed and watermark is not None:
            # event time of the newest applied event -> its KPIs published (seconds)
            behind = time.time() - watermark.timestamp()
            self.metrics.update_latency.observe(max(0.0, behind))

    async def _changed_values(self, touched: list[Series]) -> tuple[list[KpiValue], float]:
        """The values that changed, and the CPU seconds computing them took.

        Computed a few series at a time, yielding to the event loop in between: a whole
        publish held the loop ~30 ms on the benchmark's 40 series, and ingest's awaits
        (its transaction) waited behind it. Nothing else mutates the engine meanwhile:
        only this loop applies events.
        """
        engine, spent, values = self.engine, 0.0, []
        for start in range(0, len(touched), PUBLISH_CHUNK):
            started = time.perf_counter()
            chunk = touched[start : start + PUBLISH_CHUNK]
            values.extend(all_values(engine, scores=False, series=chunk, plans=False))
            spent += time.perf_counter() - started
            await asyncio.sleep(0)
        started = time.perf_counter()
        if touched:
            values.extend(plan(engine, engine.as_of) if engine.as_of else ())
        changed = publishable(values, self.current)
        spent += time.perf_counter() - started
        if touched and time.monotonic() - self._scored >= self.settings.kpi.score_seconds:
            changed.extend(publishable(await self._scores(), self.current))
        return changed, spent

    async def _scores(self) -> list[KpiValue]:
        """``opportunity_score`` of every company, team and rep series, scored in slices.

        Scoring every open deal takes ~0.15 s at 17k deals: on every publish that would
        be most of the stage's time, so it runs every ``kpi.score_seconds``, yielding to
        the event loop between slices, and stays out of the publish cost that paces
        publishing (a minute's one pass would stretch the next interval). A score moves
        only when events do (deal age is measured on the event-time watermark).
        """
        self._scored = time.monotonic()
        engine = self.engine
        if engine.as_of is None:
            return []
        tally = OpportunityScores(engine)
        deals = tally.open_deals()
        for start in range(0, len(deals), SCORE_CHUNK):
            tally.add(deals[start : start + SCORE_CHUNK])
            await asyncio.sleep(0)
        return tally.values(engine.as_of)

    async def _commit(
        self,
        outputs: list[tuple[str, list[tuple[bytes | None, bytes]]]],
        offsets: dict[TopicPartition, int],
        published: int,
    ) -> None:
        batches = self._batches
        assert batches is not None

        async def write(producer: AIOKafkaProducer) -> None:
            batches.producer = producer  # a renewed one after a failed attempt
            for topic, records in outputs:
                if records:
                    await batches.send(topic, records)
            await producer.send_offsets_to_transaction(offsets, self.group_id)

        async def landed() -> bool:
            """The failed attempt committed after all: the group holds its offsets.

            Every publish moves some offset (values, letters and anomaly records all
            come from applied events), so equal offsets mean this transaction's.
            """
            consumer = self._consumer
            assert consumer is not None
            moved = any(self._committed.get(tp.partition) != n for tp, n in offsets.items())
            return moved and all([await consumer.committed(tp) == n for tp, n in offsets.items()])

        await self._transact(write, landed)
        self.metrics.published.inc(published)
        self._committed = {tp.partition: n for tp, n in offsets.items()}

    def _settled(self) -> bool:
        """No commit in flight. One that failed for good (fenced) is raised here and
        stops the stage; a broker outage only keeps it in flight until it commits."""
        inflight = self._inflight
        if inflight is None:
            return True
        if not inflight.done():
            return False
        self._inflight = None
        inflight.result()
        return True

    async def on_stop(self) -> None:
        """Commit what was applied since the last publish, then close the clients.

        Without this final transaction a graceful stop left the last publish interval's
        values and anomaly records unpublished until the next start replayed and judged
        those events again; a reader of the output topics after a stop missed them.
        """
        settled = await self._loop_stopped() and await self._commit_settled()
        if settled and not self.replaying and self._pending():
            await self._publish()
            settled = await self._commit_settled()
            if settled:
                log.info("KPI stage: the last publish committed on stop")
        if not settled:  # e.g. a broker away: the next start replays and redoes it
            log.warning("KPI stage stopped with applied events uncommitted")
        try:
            await super().on_stop()
        finally:  # the high-watermark reader is closed whatever closing the others raised
            if self._highs is not None:
                await self._highs.stop()

    async def _commit_settled(self) -> bool:
        """The transaction in flight, if any, ended and committed (bounded wait)."""
        inflight, self._inflight = self._inflight, None
        if inflight is None:
            return True
        done, _ = await asyncio.wait({inflight}, timeout=STOP_SECONDS)
        if not done:
            inflight.cancel()  # left open: the next start's producer fences and aborts it
            return False
        return not inflight.cancelled() and inflight.exception() is None

    def _late_letter(self, record: Record, event: SalesEvent) -> bytes:
        message = f"event time {event.time.isoformat()} is behind the watermark minus grace"
        rejection = Rejection(
            DeadLetterReason.LATE, (FieldError("time", message),), event.type, event.id
        )
        return dead_letter(
            rejection,
            record.value,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            keep_bytes=self.settings.ingest.dlq_payload_bytes,
        ).to_json()


def _daily_judge(settings: Settings) -> DailyJudge | None:
    options = settings.detectors
    if not options.enabled:
        return None
    monitor = KpiMonitor(load_policy(options.config), options.currency, options.max_series)
    return DailyJudge(monitor)
