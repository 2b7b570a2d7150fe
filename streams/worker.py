"""``salespulse worker``: the Faust worker with every agent registered."""

from __future__ import annotations

import asyncio

import faust
from prometheus_client import CollectorRegistry

from salespulse.settings import Settings
from streams.app import create_app
from streams.ingest_service import IngestService
from streams.kafka_client import ensure_topics
from streams.metrics import IngestMetrics


def build(settings: Settings, registry: CollectorRegistry | None = None) -> faust.App:
    registry = registry or CollectorRegistry()
    app = create_app(settings, registry)
    ingest = IngestService(settings, IngestMetrics.create(registry))

    @app.task
    async def start_ingest() -> None:
        await app.add_runtime_dependency(ingest)

    return app


def run_worker(settings: Settings) -> None:
    """Create the topics, then hand the process to faust until SIGINT/SIGTERM."""
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        pass
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(ensure_topics(settings))
    app = build(settings)
    worker = faust.Worker(app, loglevel=settings.worker.log_level.upper(), loop=loop)
    worker.execute_from_commandline()
