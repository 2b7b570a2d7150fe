"""``salespulse worker``: the Faust worker with every agent registered."""

from __future__ import annotations

import asyncio
import gc
import logging

import faust
from mode import Service
from prometheus_client import CollectorRegistry

from salespulse.ingest.handoff import ValidatedHandoff
from salespulse.settings import Settings
from streams import alert_views, repeat_log
from streams.alert_metrics import AlertMetrics
from streams.alert_service import AlertService
from streams.app import create_app
from streams.detector_views import DetectorCollector
from streams.health_views import HealthCollector
from streams.ingest_service import IngestService
from streams.kafka_client import ensure_topics
from streams.kpi_service import KpiService
from streams.kpi_views import KpiCollector, query_kpis
from streams.metrics import IngestMetrics, KpiMetrics


def build(settings: Settings, registry: CollectorRegistry | None = None) -> faust.App:
    # auto_describe: the custom collectors' names are known, so ``/metrics?name[]=...``
    # collects only what was asked for (a progress poll never computes every KPI)
    registry = registry or CollectorRegistry(auto_describe=True)
    app = create_app(settings, registry)
    # both stages in this process: the KPI stage takes the events ingest validated
    handoff = ValidatedHandoff(4 * settings.ingest.batch_size) if settings.worker.run_kpis else None
    ingest = IngestService(settings, IngestMetrics.create(registry), handoff)
    services: list[Service] = [ingest]
    kpis: KpiService | None = None
    if settings.worker.run_kpis:
        kpis = KpiService(
            settings, KpiMetrics.create(registry), upstream=ingest.caught_up, handoff=handoff
        )
        services.append(kpis)
        ingest.reader_starved = lambda: kpis is not None and kpis.starved
        registry.register(KpiCollector(kpis))
        if kpis.judge is not None:
            registry.register(DetectorCollector(kpis.judge))

        @app.page("/kpis")
        async def kpi_page(web: faust.web.View, request: faust.web.Request) -> faust.web.Response:
            return web.json(query_kpis(kpis, dict(request.query)))

        if settings.alerts.enabled:
            alerting = AlertService(settings, AlertMetrics.create(registry))
            services.append(alerting)
            alert_views.register(app, alerting)

    registry.register(HealthCollector(ingest, kpis))

    @app.task
    async def start_services() -> None:
        for service in services:
            await app.add_runtime_dependency(service)

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
    _tune_gc()
    # aiokafka logs every record it sends at debug level; the alerting config topic holds
    # webhook URLs, so its loggers never go below INFO whatever the worker's level
    logging.getLogger("aiokafka").setLevel(logging.INFO)
    repeat_log.install()
    worker.execute_from_commandline()


def _tune_gc() -> None:
    """Collect cycles less often, and never scan what start-up loaded.

    The KPI stage keeps a large, long-lived heap (every open lead, deal and customer)
    while each event allocates a burst of short-lived objects; with CPython's default
    thresholds (700, 10, 10) the collector kept re-scanning that heap, and the same
    benchmark ran at about half the speed (docs/performance.md). Almost everything
    here is freed by reference counting; the collector only has cycles to find.
    """
    gc.collect()
    gc.freeze()  # modules, settings, the app: permanent, out of every later scan
    gc.set_threshold(50_000, 20, 100)
