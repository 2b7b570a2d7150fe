"""The alerting stage: ``sales.anomalies`` -> alert book -> dispatcher -> channels.

Delivery cannot be part of a Kafka transaction (Slack does not join one), so the stage
makes it idempotent instead:

- every notification the dispatcher emits goes into ``pending`` first; the snapshot of
  book, dispatcher groups, pending notifications and the ids already delivered is
  written to a compacted state topic in one transaction with the consumed anomaly
  offsets and any subscription / silence changes;
- delivery runs in background tasks (Slack down never holds email back); a delivered
  notification moves from ``pending`` to ``sent``, a failed one waits
  ``redeliver_seconds`` and is tried again, for as long as it takes: none is lost;
- a notification still undelivered after ``delivery_deadline_seconds``, or refused for
  good (a 4xx), goes to the failed-deliveries topic with the reason, in a transaction;
- each target is paced (``min_send_interval_seconds``: Slack takes about one message a
  second per webhook);
- after a restart the snapshot is restored: pending notifications are sent, delivered
  ids are skipped. A process killed between an HTTP 200 and the next commit (a few
  milliseconds) sends that one message again; that is the only duplicate window. A
  graceful stop waits for the deliveries on their way, so it does not open one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import ConsumerStoppedError, KafkaError
from mode import Service
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
)

from alerts import AlertBook, Dispatcher, Inhibitor, Notification, Silences, SubscriptionStore
from alerts.api.http import AlertingState
from alerts.channels import build_channel
from alerts.config import load_routing
from alerts.inhibit import default_inhibit_rules
from alerts.render.links import RenderOptions
from alerts.retry import DeliveryOutcome, RetryPolicy, deliver_all
from detectors.record import AnomalyRecord
from salespulse.settings import Settings
from streams.alert_metrics import AlertMetrics
from streams.kafka_client import client_kwargs, partition_ids, stage_clients
from streams.stage import STOP_SECONDS, KafkaStage

log = logging.getLogger(__name__)
SENT_KEPT = 50_000  # delivered ids remembered (far more than a restart can replay)


class AlertService(KafkaStage):
    def __init__(self, settings: Settings, metrics: AlertMetrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings, self.metrics = settings, metrics
        options = settings.alerts
        routing = load_routing(options.routing) if options.routing else None
        self.routing_subscriptions = routing.subscriptions if routing else []
        rules = routing.inhibit_rules if routing and routing.inhibit_rules else None
        self.inhibitor = Inhibitor(rules if rules is not None else default_inhibit_rules())
        self.book, self.silences = AlertBook(), Silences()
        self.subscriptions = SubscriptionStore()
        self.dispatcher = Dispatcher(self.subscriptions, self.book, self.silences, self.inhibitor)
        self.api = AlertingState(
            self.book,
            self.silences,
            self.subscriptions,
            token=options.api_token,
            protect_reads=options.protect_reads,
            max_body_bytes=options.max_body_bytes,
        )
        self.group_id = f"{settings.worker.app_id}.alerts"
        self.pending: dict[str, tuple[Notification, float]] = {}  # id -> (notification, due)
        self.failed: list[tuple[Notification, str, str]] = []  # (notification, channel, reason)
        self._last_send: dict[str, float] = {}  # target -> monotonic time of the last send
        self.sent: OrderedDict[str, None] = OrderedDict()
        self.inflight: dict[str, asyncio.Task[None]] = {}
        self._lock = asyncio.Lock()  # one transaction at a time on the one producer
        self.policy = RetryPolicy(
            attempts=options.retry_attempts,
            initial_delay=options.retry_initial_seconds,
            max_delay=options.retry_max_seconds,
        )
        self.render = RenderOptions(
            grafana_url=options.grafana_url,
            silence_url=f"{options.external_url.rstrip('/')}/api/silences",
            external_url=options.external_url,
        )
        self._config: AIOKafkaConsumer | None = None
        self._http: httpx.AsyncClient | None = None
        self._offsets: dict[TopicPartition, int] = {}
        self._committed: dict[TopicPartition, int] = {}  # the offsets of the last commit
        self.transactions_retried = metrics.transactions_retried
        self._dirty = False
        self._counted = (0, 0)

    async def on_start(self) -> None:
        await self._start_clients(*stage_clients(self.settings, self.group_id))
        # the stage starts last, after ingest and the KPI stage are already working: a
        # broker that goes away now is waited for, as the running stages wait for it
        # (a fault test stopped the broker during this start-up and the worker crashed)
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(KafkaError),
            wait=wait_exponential(multiplier=0.5, max=5),
            stop=stop_after_delay(600),
            before_sleep=_log_broker_away,
            reraise=True,
        ):
            with attempt:
                await self._position_and_restore()
        self._go_live()

    async def _position_and_restore(self) -> None:
        """Idempotent: every step reads from the beginning or seeks, so a retry after a
        broker outage ends in the same state as one clean pass."""
        topic = self.settings.detectors.topic
        assert self._consumer is not None
        tps = [TopicPartition(topic, p) for p in await partition_ids(self.settings, topic)]
        self._consumer.assign(tps)
        for tp in tps:
            committed = await self._consumer.committed(tp)
            if committed is None:
                await self._consumer.seek_to_beginning(tp)
            else:
                self._consumer.seek(tp, committed)
                self._committed[tp] = committed  # a retried commit compares with these
        await self._restore()
        await self._load_config()

    def _go_live(self) -> None:
        for subscription in self.routing_subscriptions:
            if subscription.id not in self.subscriptions:
                self.subscriptions.add(subscription)
        self.dispatcher.route_all(self._now())
        self._http = httpx.AsyncClient(timeout=10.0)
        log.info(
            "alerting stage live: %d subscriptions, %d alerts, %d pending",
            len(self.subscriptions),
            len(self.book),
            len(self.pending),
        )

    async def on_stop(self) -> None:
        """Let the deliveries on their way finish and commit their outcome, then close.

        Cancelling them instead left a message the receiver had already accepted
        recorded as pending, and the next start sent it again: every rolling restart
        during a delivery was a duplicate. A delivery still going after the bound (one
        retrying a receiver that is down) is cancelled; it stays pending, and the next
        start sends it.
        """
        await self._loop_stopped()  # no new delivery starts after the loop's last batch
        inflight = list(self.inflight.values())
        if inflight:
            _, unfinished = await asyncio.wait(inflight, timeout=STOP_SECONDS)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
            if unfinished:
                log.warning(
                    "alerting stage stopped with %d deliveries unfinished; "
                    "the next start sends them",
                    len(unfinished),
                )
        if self._config is not None:
            await self._config.stop()
        if self._http is not None:
            await self._http.aclose()
        await super().on_stop()

    @staticmethod
    def _now() -> datetime:
        return datetime.now(UTC)

    async def _restore(self) -> None:
        """The last snapshot this stage committed (read-committed: never a torn one)."""
        records = await _read_all(self.settings, self.settings.alerts.state_topic)
        latest = next((r.value for r in reversed(records) if r.key == self.group_id.encode()), None)
        if latest is None:
            return
        state = orjson.loads(latest)
        self.book = AlertBook.from_dict(state["book"])
        self.api.book = self.book
        self.dispatcher = Dispatcher.from_dict(
            state["dispatcher"], self.subscriptions, self.book, self.silences, self.inhibitor
        )
        now = time.monotonic()
        self.pending = {
            item["id"]: (Notification.from_dict(item["notification"]), now)
            for item in state["pending"]
        }
        self.sent = OrderedDict((nid, None) for nid in state["sent"])

    async def _load_config(self) -> None:
        topic = self.settings.alerts.config_topic
        if self._config is not None:  # a retry after the broker went away: start afresh
            await self._config.stop()
        self._config = AIOKafkaConsumer(
            **client_kwargs(self.settings.kafka),
            enable_auto_commit=False,
            isolation_level="read_committed",
        )
        await self._config.start()
        tps = [TopicPartition(topic, p) for p in await partition_ids(self.settings, topic)]
        self._config.assign(tps)
        await self._config.seek_to_beginning(*tps)
        ends = await self._config.end_offsets(tps)
        while await _behind(self._config, tps, ends):
            self._apply_config(await self._config.getmany(timeout_ms=500))

    def _apply_config(self, batch: dict[TopicPartition, list[Any]]) -> None:
        for records in batch.values():
            for record in records:
                kind, _, key = record.key.decode().partition(":")
                value = orjson.loads(record.value) if record.value is not None else None
                store = self.subscriptions if kind == "subscription" else self.silences
                store.apply_change(key, value)
                if kind == "subscription":
                    self._dirty = True

    @Service.task
    async def _run(self) -> None:
        await self._run_loop(self._consume)

    async def _consume(self) -> None:
        assert self._consumer is not None and self._config is not None
        tick_ms = int(self.settings.alerts.tick_seconds * 1000)
        while not self.should_stop:
            try:
                batch = await self._consumer.getmany(timeout_ms=tick_ms, max_records=2000)
                config = await self._config.getmany(timeout_ms=0)
            except ConsumerStoppedError:
                return  # stopping (SIGTERM): on_stop closed the consumers under us
            now = self._now()
            for tp, records in batch.items():
                for record in records:
                    self._on_anomaly(record.value, now)
                self._offsets[tp] = records[-1].offset + 1
                self._dirty = True
            self._apply_config(config)
            async with self._lock:
                self._emit(now)
                changes = self._config_changes()
                if self._dirty or changes:
                    await self._commit(changes)
            self._launch()

    def _on_anomaly(self, payload: bytes, now: datetime) -> None:
        try:
            record = AnomalyRecord.model_validate_json(payload)
        except ValueError:
            log.warning("skipping an undecodable anomaly record")
            return
        alert = self.book.apply(record, now)
        self.metrics.alert("fired" if record.status == "firing" else "resolved")
        self.dispatcher.on_alert(alert, now)

    def _emit(self, now: datetime) -> None:
        if self._dirty:
            self.dispatcher.route_all(now)  # subscriptions may have changed
        for notification in self.dispatcher.tick(now):
            nid = notification.notification_id
            if nid not in self.sent:
                self.pending[nid] = (notification, time.monotonic())
                self._dirty = True
        stats = self.dispatcher.stats
        silenced, inhibited = stats.silenced, stats.inhibited
        self.metrics.alert("silenced", silenced - self._counted[0])
        self.metrics.alert("inhibited", inhibited - self._counted[1])
        self._counted = (silenced, inhibited)

    def _launch(self) -> None:
        """Start delivery of every due pending notification not already on its way."""
        clock = time.monotonic()
        deadline = self.settings.alerts.delivery_deadline_seconds
        for nid, (notification, due) in list(self.pending.items()):
            if nid in self.inflight or due > clock:
                continue
            if (self._now() - notification.created_at).total_seconds() > deadline:
                del self.pending[nid]
                self.failed.append((notification, "unknown", "deadline passed"))
                self._dirty = True
                continue
            subscription = self.subscriptions.get(notification.subscription_id)
            if subscription is None:
                del self.pending[nid]  # unsubscribed meanwhile: nobody to tell
                self._dirty = True
                continue
            try:
                channel = build_channel(
                    subscription,
                    options=self.render,
                    client=self._http,
                    smtp=self.settings.alerts.smtp.channel_kwargs(),
                )
            except ValueError as error:
                log.error("subscription %s cannot be delivered: %s", subscription.id, error)
                del self.pending[nid]
                self.metrics.failed(subscription.channel.type, "misconfigured")
                continue
            pace = (
                self._last_send.get(channel.target, 0.0)
                + self.settings.alerts.min_send_interval_seconds
            )
            if pace > clock:
                self.pending[nid] = (notification, pace)
                continue
            self._last_send[channel.target] = clock
            self.inflight[nid] = asyncio.ensure_future(self._deliver(nid, channel, notification))

    async def _deliver(self, nid: str, channel: Any, notification: Notification) -> None:
        """Deliver, then record the outcome in a commit of its own right away: the window
        in which a crash could make a restart send it again is this commit's latency."""
        outcome = (await deliver_all([(channel, notification)], self.policy))[0]
        async with self._lock:
            self.inflight.pop(nid, None)
            self._settle(nid, outcome)
            await self._commit(self._config_changes())
        if outcome.ok:
            self.metrics.sent(outcome.channel, notification.created_at)

    def _settle(self, nid: str, outcome: DeliveryOutcome) -> None:
        clock = time.monotonic()
        entry = self.pending.get(nid)
        if outcome.ok:
            self.pending.pop(nid, None)
            self._remember(nid)
        elif outcome.error is not None and outcome.error.retryable and entry is not None:
            # the channel is down: keep it, try again later (never lost)
            self.pending[nid] = (entry[0], clock + self.settings.alerts.redeliver_seconds)
            self.metrics.failed(outcome.channel, outcome.error.reason)
        else:
            self.pending.pop(nid, None)
            reason = outcome.error.reason if outcome.error else "unknown"
            self.metrics.failed(outcome.channel, reason)
            if entry is not None:
                self.failed.append((entry[0], outcome.channel, reason))
            log.error("notification %s refused for good: %s", nid[:12], reason)

    def _remember(self, nid: str) -> None:
        self.sent[nid] = None
        while len(self.sent) > SENT_KEPT:
            self.sent.popitem(last=False)

    def _config_changes(self) -> list[tuple[bytes, bytes | None]]:
        out: list[tuple[bytes, bytes | None]] = []
        for kind, store in (("subscription", self.subscriptions), ("silence", self.silences)):
            for change in store.changes():
                value = orjson.dumps(change.value) if change.value is not None else None
                out.append((f"{kind}:{change.key}".encode(), value))
        return out

    async def _commit(self, changes: list[tuple[bytes, bytes | None]]) -> None:
        snapshot = {
            "book": self.book.to_dict(),
            "dispatcher": self.dispatcher.to_dict(),
            "pending": [
                {"id": nid, "notification": n.to_dict()} for nid, (n, _) in self.pending.items()
            ],
            "sent": list(self.sent),
        }
        failed = list(self.failed)
        offsets = dict(self._offsets)

        async def write(producer: AIOKafkaProducer) -> None:
            for notification, channel, reason in failed:
                await producer.send(
                    self.settings.alerts.failed_topic,
                    key=notification.notification_id.encode(),
                    value=orjson.dumps(
                        {
                            "reason": reason,
                            "channel": channel,
                            "failed_at": self._now().isoformat(),
                            "notification": notification.to_dict(),
                        }
                    ),
                )
            for key, value in changes:
                await producer.send(self.settings.alerts.config_topic, key=key, value=value)
            await producer.send(
                self.settings.alerts.state_topic,
                key=self.group_id.encode(),
                value=orjson.dumps(snapshot),
            )
            if offsets:
                await producer.send_offsets_to_transaction(offsets, self.group_id)

        async def landed() -> bool:
            """Committed after all when the group holds this commit's new offsets; else
            it is done again (the state and config topics are compacted: a second copy
            of a committed snapshot changes nothing)."""
            consumer = self._consumer
            assert consumer is not None
            moved = any(self._committed.get(tp) != n for tp, n in offsets.items())
            return moved and all([await consumer.committed(tp) == n for tp, n in offsets.items()])

        await self._transact(write, landed)
        self._committed = offsets
        self._dirty = False
        del self.failed[: len(failed)]


async def _behind(
    consumer: AIOKafkaConsumer, tps: list[TopicPartition], ends: dict[TopicPartition, int]
) -> bool:
    for tp in tps:
        if await consumer.position(tp) < ends[tp]:
            return True
    return False


def _log_broker_away(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome is not None else None
    log.warning("alerting stage start-up: broker unavailable (%r), retrying", error)


async def _read_all(settings: Settings, topic: str) -> list[Any]:
    """Every committed record of a (compacted) topic, from the beginning to its end."""
    consumer = AIOKafkaConsumer(
        **client_kwargs(settings.kafka), enable_auto_commit=False, isolation_level="read_committed"
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in await partition_ids(settings, topic)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[Any] = []
        while await _behind(consumer, tps, ends):
            for part in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(part)
        return records
    finally:
        await consumer.stop()
