"""The Faust application, configured from the one settings tree."""

from __future__ import annotations

import ssl
from typing import Any

import faust
from faust.app import BootStrategy
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    disable_created_metrics,
    generate_latest,
)

from salespulse.settings import KafkaSettings, Settings


def _credentials(kafka: KafkaSettings) -> Any:
    context = None
    if kafka.security_protocol in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(
            cafile=str(kafka.ssl_cafile) if kafka.ssl_cafile else None
        )
    if kafka.sasl_mechanism:
        password = kafka.sasl_password.get_secret_value() if kafka.sasl_password else ""
        return faust.SASLCredentials(
            username=kafka.sasl_username or "",
            password=password,
            ssl_context=context,
            mechanism=kafka.sasl_mechanism,
        )
    return faust.SSLCredentials(context) if context else None


class _NoKafkaClients(BootStrategy):
    """Faust serves the web pages and supervises the stages; it opens no Kafka client.

    Every stage owns its consumer and transactional producer (see ``streams/stage.py``),
    so Faust's own consumer had nothing to read, yet its thread's event loop took 8.5 %
    of the worker's CPU on a backlog (py-spy, ``python -m bench.profile``).
    """

    enable_kafka = False


class ServiceApp(faust.App):
    BootStrategy = _NoKafkaClients


def create_app(settings: Settings, registry: CollectorRegistry) -> faust.App:
    """A Faust app with a ``/metrics`` page serving ``registry``."""
    disable_created_metrics()
    worker = settings.worker
    app = ServiceApp(
        worker.app_id,
        broker=[f"kafka://{server}" for server in settings.kafka.bootstrap_servers],
        broker_credentials=_credentials(settings.kafka),
        store=worker.store,
        datadir=str(worker.data_dir),
        web_port=worker.web_port,
        web_bind=worker.web_host,
        web_host=worker.web_host,
        topic_partitions=settings.topics.partitions,
        topic_replication_factor=settings.topics.replication_factor,
        consumer_auto_offset_reset="earliest",
        autodiscover=False,
        producer_linger_ms=5,
        producer_max_batch_size=256 * 1024,
    )

    @app.page("/metrics")
    async def metrics(web: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        # ``name[]`` selects metrics, as prometheus_client's own exporter does
        names = request.query.getall("name[]", [])  # type: ignore[attr-defined]
        response = web.bytes(
            generate_latest(registry.restricted_registry(names) if names else registry)
        )
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    return app
