"""What the exactly-once stages (ingest, KPIs) share: their two Kafka clients' lifetime."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from mode import Service


class KafkaStage(Service):
    """A service that owns one read-committed consumer and one transactional producer."""

    _consumer: AIOKafkaConsumer | None = None
    _producer: AIOKafkaProducer | None = None

    async def _start_clients(self, consumer: AIOKafkaConsumer, producer: AIOKafkaProducer) -> None:
        self._consumer, self._producer = consumer, producer
        await producer.start()
        await consumer.start()

    async def on_stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
        if self._producer is not None:
            await self._producer.stop()
