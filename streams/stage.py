"""What the exactly-once stages share: their two Kafka clients' lifetime, and how a stage
gets over a transaction the broker did not finish.

A broker that goes away in the middle of a transaction leaves aiokafka's producer in a
fatal state (its sender task ends on the failed coordinator lookup), so every later
transaction on it fails too. A stage therefore replaces the producer with a new one
of the same transactional id: initialising it fences the old one and makes the broker
abort whatever the old one left open, so nothing of the failed transaction is ever
visible to a ``read_committed`` reader, and the stage can do the work again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError, ProducerFenced
from mode import Service
from prometheus_client import Counter
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential

from salespulse.settings import Settings
from streams.kafka_client import transactional_producer

log = logging.getLogger(__name__)
T = TypeVar("T")
#: seconds the old producer gets to close before it is dropped (it may be waiting for a
#: broker that is not there)
_CLOSE_SECONDS = 5.0
#: how long a stop waits for each step of a stage's wind-down (the loop, a commit, the
#: deliveries on their way); the deployments give the process 60 s in all
STOP_SECONDS = 10.0


class KafkaStage(Service):
    """A service that owns one read-committed consumer and one transactional producer."""

    settings: Settings
    group_id: str
    _consumer: AIOKafkaConsumer | None = None
    _producer: AIOKafkaProducer | None = None
    #: transactions the broker did not finish, done again (set by each stage)
    transactions_retried: Counter | None = None
    _loop_ended: asyncio.Event | None = None  # set once the stage's loop has returned

    async def _run_loop(self, loop: Callable[[], Awaitable[None]]) -> None:
        """Run the stage's consume loop, marking when it has returned.

        mode runs ``on_stop`` before it cancels a service's tasks, with ``should_stop``
        already set: a stop that waits for this mark knows the loop has finished its
        last batch and nothing else touches the stage's state.
        """
        self._loop_ended = asyncio.Event()
        try:
            await loop()
        finally:
            self._loop_ended.set()

    async def _loop_stopped(self) -> bool:
        """The loop has returned (bounded wait); True when it never started."""
        ended = self._loop_ended
        if ended is None:
            return True
        try:
            await asyncio.wait_for(ended.wait(), STOP_SECONDS)
        except asyncio.TimeoutError:
            return False
        return True

    async def _start_clients(self, consumer: AIOKafkaConsumer, producer: AIOKafkaProducer) -> None:
        self._consumer, self._producer = consumer, producer
        await producer.start()
        await consumer.start()

    async def _renew_producer(self, error: BaseException) -> AIOKafkaProducer:
        """Replace the producer after ``error`` ended a transaction; waits for the broker.

        A fenced producer is not replaced: another live process has this stage's
        transactional id (two workers with one ``worker.instance``, or the successor in
        a rolling restart), and taking it back would fence that one in turn.
        """
        if isinstance(error, ProducerFenced):
            raise error
        if self.transactions_retried is not None:
            self.transactions_retried.inc()
        log.warning("%s: transaction failed (%r); renewing the producer", self.group_id, error)
        old, self._producer = self._producer, None
        if old is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(old.stop(), _CLOSE_SECONDS)
            _forget_transaction_error(old)
        producer = await self._retrying(self._started_producer)
        self._producer = producer
        log.info("%s: producer renewed", self.group_id)
        return producer

    async def _started_producer(self) -> AIOKafkaProducer:
        producer = transactional_producer(self.settings, self.group_id)
        try:
            await producer.start()
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.stop(), _CLOSE_SECONDS)
            raise
        return producer

    async def _transact(
        self,
        write: Callable[[AIOKafkaProducer], Awaitable[None]],
        landed: Callable[[], Awaitable[bool]],
    ) -> None:
        """Commit what ``write`` sends in one transaction, however often the broker fails it.

        ``write`` must send the same records on every attempt. ``landed`` tells, after a
        failure, whether the transaction committed anyway (its answer was what got lost);
        it is asked once the new producer has settled the old one's transaction.
        """
        while True:
            producer = self._producer
            assert producer is not None
            try:
                async with producer.transaction():
                    await write(producer)
                return
            except KafkaError as error:
                await self._renew_producer(error)
            if await self._retrying(landed):
                return

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """``call()``, waiting out a broker that is not back yet."""
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(KafkaError),
            wait=wait_exponential(multiplier=0.25, max=5),
            before_sleep=self._log_broker_away,
            reraise=True,
        ):
            with attempt:
                return await call()
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def _log_broker_away(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        log.warning("%s: broker unavailable (%r), retrying", self.group_id, error)

    async def on_stop(self) -> None:
        """Close both clients: the producer too when closing the consumer raised (its
        connections and sender task would outlive the stage)."""
        try:
            if self._consumer is not None:
                await self._consumer.stop()
        finally:
            if self._producer is not None:
                await self._producer.stop()


def _forget_transaction_error(producer: AIOKafkaProducer) -> None:
    """Mark the error a dead producer left on its transaction waiter as handled.

    When the sender task dies (a coordinator still loading after a broker restart),
    aiokafka also sets the error on a future that nothing awaits. The stage has already
    handled that error, but asyncio logged it a second time, with its traceback, as
    "Future exception was never retrieved" when the future was collected. That log
    call, run from a finalizer, once broke a test run on CPython 3.11.7 in the middle
    of pytest's assertion rewriting ("AST constructor recursion depth mismatch").
    The future is aiokafka's private state, so it is read defensively.
    """
    manager = getattr(producer, "_txn_manager", None)
    waiter = getattr(manager, "_transaction_waiter", None)
    if isinstance(waiter, asyncio.Future) and waiter.done() and not waiter.cancelled():
        waiter.exception()
