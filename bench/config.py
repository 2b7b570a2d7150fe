"""Settings of the workers the benchmark starts: each run on topics and groups of its own."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path

import yaml

from salespulse.settings import Settings
from streams.broker import free_port
from streams.supervise import isolated


def bench_settings(settings: Settings, workdir: Path) -> Settings:
    """Fresh topics, consumer groups, web port and state dir (memory store)."""
    run = f"bench-{uuid.uuid4().hex[:8]}"
    return isolated(
        settings,
        run,
        store="memory://",
        data_dir=workdir / run,
        web_port=free_port(),
        log_level="info",  # the default; at warning faust's spinner turns on DEBUG everywhere
    )


def reading(settings: Settings, workdir: Path, events_topic: str) -> Settings:
    """A run of its own that reads an existing raw topic (several runs, one produce)."""
    own = bench_settings(settings, workdir)
    return own.model_copy(update={"topics": own.topics.model_copy(update={"events": events_topic})})


def kpi_only(settings: Settings) -> Settings:
    """Ingest and KPIs; detectors and alerting off."""
    return settings.model_copy(
        update={
            "detectors": settings.detectors.model_copy(update={"enabled": False}),
            "alerts": settings.alerts.model_copy(update={"enabled": False}),
        }
    )


def with_grace(settings: Settings, seconds: float) -> Settings:
    return settings.model_copy(
        update={"kpi": settings.kpi.model_copy(update={"grace_seconds": seconds})}
    )


def delivering(
    settings: Settings, workdir: Path, webhook_url: str, matchers: Sequence[dict[str, str]] = ()
) -> Settings:
    """Alerting on, one Slack subscription to ``webhook_url`` with ``group_wait`` 0."""
    subscription = {
        "id": "bench",
        "name": "benchmark sink",
        "owner": "bench",
        "channel": {"type": "slack", "webhook_url": webhook_url},
        "matchers": list(matchers),
        "min_severity": "info",
        "group_by": ["kpi", "dimension", "key"],
        "group_wait": 0,
        "group_interval": 1,
        "repeat_interval": 86400,
    }
    routing = workdir / f"{settings.worker.app_id}-routing.yaml"
    routing.parent.mkdir(parents=True, exist_ok=True)
    routing.write_text(yaml.safe_dump({"subscriptions": [subscription]}))
    alerts = settings.alerts.model_copy(update={"enabled": True, "routing": routing})
    detectors = settings.detectors.model_copy(update={"enabled": True})
    return settings.model_copy(update={"alerts": alerts, "detectors": detectors})


def ingest_only_peer(settings: Settings, instance: int) -> Settings:
    """Another worker of the same app: joins the ingest group, runs no KPI stage."""
    worker = settings.worker.model_copy(
        update={
            "instance": str(instance),
            "run_kpis": False,
            "web_port": free_port(),
            "data_dir": settings.worker.data_dir / f"instance-{instance}",
        }
    )
    return settings.model_copy(update={"worker": worker})


def ingest_only(settings: Settings) -> Settings:
    """A worker that runs ingest alone (``run_kpis`` off)."""
    worker = settings.worker.model_copy(update={"run_kpis": False})
    return settings.model_copy(update={"worker": worker})
