"""aiokafka connection arguments and topic administration from one settings tree."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from salespulse.settings import KafkaSettings, Settings


def client_kwargs(kafka: KafkaSettings) -> dict[str, Any]:
    """Keyword arguments shared by every aiokafka producer, consumer and admin client."""
    kwargs: dict[str, Any] = {
        "bootstrap_servers": kafka.bootstrap,
        "security_protocol": kafka.security_protocol,
    }
    if kafka.security_protocol in ("SSL", "SASL_SSL"):
        kwargs["ssl_context"] = ssl.create_default_context(
            cafile=str(kafka.ssl_cafile) if kafka.ssl_cafile else None
        )
    if kafka.sasl_mechanism:
        kwargs["sasl_mechanism"] = kafka.sasl_mechanism
        kwargs["sasl_plain_username"] = kafka.sasl_username
        if kafka.sasl_password is not None:
            kwargs["sasl_plain_password"] = kafka.sasl_password.get_secret_value()
    return kwargs


#: The typed topic is the event log the KPI stage replays to rebuild its state.
_TOPIC_CONFIGS: dict[str, dict[str, str]] = {
    "typed": {"retention.ms": "-1", "retention.bytes": "-1"},
    "kpis": {"cleanup.policy": "compact"},
    "alert_config": {"cleanup.policy": "compact"},
    "alert_state": {"cleanup.policy": "compact", "max.message.bytes": str(16 << 20)},
}


def pipeline_topics(settings: Settings) -> dict[str, str]:
    t = settings.topics
    return {
        "events": t.events,
        "typed": t.typed,
        "dlq": t.dlq,
        "kpis": settings.kpi.topic,
        "anomalies": settings.detectors.topic,
        "alert_config": settings.alerts.config_topic,
        "alert_state": settings.alerts.state_topic,
        "alert_failed": settings.alerts.failed_topic,
    }


async def ensure_topics(settings: Settings, names: list[str] | None = None) -> None:
    """Create the pipeline's topics if missing (idempotent)."""
    topics = settings.topics
    roles = {name: role for role, name in pipeline_topics(settings).items()}
    wanted = names or list(roles)
    admin = AIOKafkaAdminClient(**client_kwargs(settings.kafka))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        new = [
            NewTopic(
                n,
                num_partitions=topics.partitions,
                replication_factor=topics.replication_factor,
                topic_configs=_TOPIC_CONFIGS.get(roles.get(n, ""), {}),
            )
            for n in wanted
            if n not in existing
        ]
        if new:
            try:
                await admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass
    finally:
        await admin.close()


async def partition_ids(settings: Settings, topic: str, timeout: float = 30.0) -> list[int]:
    """The partitions of ``topic``, waiting for a just-created topic's metadata to appear."""
    admin = AIOKafkaAdminClient(**client_kwargs(settings.kafka))
    await admin.start()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for described in await admin.describe_topics([topic]):
                found = sorted(p["partition"] for p in described.get("partitions", []))
                if described.get("error_code", 0) == 0 and found:
                    return found
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"topic {topic!r} has no partitions after {timeout}s")
            await asyncio.sleep(0.2)
    finally:
        await admin.close()


def committed_reader(settings: Settings, *topics: str) -> AIOKafkaConsumer:
    """A consumer of no group that reads ``topics`` from the start, committed data only:
    what any downstream reader sees (benchmarks and checks read outputs with it)."""
    return AIOKafkaConsumer(
        *topics,
        **client_kwargs(settings.kafka),
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        isolation_level="read_committed",
    )


def high_watermark_reader(settings: Settings) -> AIOKafkaConsumer:
    """A consumer of no group, only asked for end offsets as ``read_uncommitted`` sees them.

    The high watermark above a ``read_committed`` end (the last stable offset) means records
    a reader cannot see yet: a transaction open, or committed with its markers not yet
    written, which after a broker restart takes a while.
    """
    return AIOKafkaConsumer(
        **client_kwargs(settings.kafka),
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_uncommitted",
    )


def stage_clients(settings: Settings, group_id: str) -> tuple[AIOKafkaConsumer, AIOKafkaProducer]:
    """A read-committed consumer and a transactional producer for one exactly-once stage.

    The transactional id is stable per (stage, worker instance): a restarted worker
    fences its killed predecessor at once, aborting the transaction it left open. With
    a fresh id per process that transaction would hold the partition's last stable
    offset back until the broker's timeout, and read-committed readers downstream
    would see the partition as drained when it is not.
    """
    common = client_kwargs(settings.kafka)
    consumer = AIOKafkaConsumer(  # subscribed or assigned by the stage itself
        **common,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_partition_fetch_bytes=4 << 20,
        fetch_max_wait_ms=settings.kafka.fetch_max_wait_ms,
    )
    return consumer, transactional_producer(settings, group_id)


#: the Java client backs off 20 ms on a concurrent transaction for the same reason
TRANSACTION_RETRY_BACKOFF_MS = 20


def transactional_producer(settings: Settings, group_id: str) -> AIOKafkaProducer:
    """The producer of one exactly-once stage; a stage renews it after a failed transaction
    with the same transactional id, which fences the old one and aborts what it left open."""
    return AIOKafkaProducer(
        **client_kwargs(settings.kafka),
        transactional_id=f"{group_id}.{settings.worker.instance}",
        transaction_timeout_ms=15_000,
        # both stages build their record batches themselves (``send_batch``): lingering
        # only delayed each batch (ingest at 1,000 events/s: 12.5 -> 5.8 ms per
        # transaction's produce in isolation, measured with a probe)
        linger_ms=0,
        # a broker of Kafka >= 3.6 verifies that a produced partition is in the
        # transaction; while the previous transaction's markers are still being written
        # it answers NOT_ENOUGH_REPLICAS (KAFKA-15459), and the next publish waited the
        # default 100 ms backoff for it (~10 of 118 KPI publishes at 1,000 events/s)
        retry_backoff_ms=TRANSACTION_RETRY_BACKOFF_MS,
        max_batch_size=512 * 1024,
        max_request_size=4 << 20,
    )
