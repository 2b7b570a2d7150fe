"""The router counts valid events once per batch (``count``), by type, and no others."""

from __future__ import annotations

from types import SimpleNamespace

import orjson
from prometheus_client import CollectorRegistry

from salespulse.settings import Settings
from streams.ingest_route import IngestRouter
from streams.metrics import IngestMetrics
from tests.support.examples import example


def _record(value: bytes, offset: int) -> SimpleNamespace:
    return SimpleNamespace(topic="raw", partition=0, offset=offset, key=None, value=value)


def _counted(registry: CollectorRegistry, event_type: str) -> float:
    value = registry.get_sample_value("salespulse_ingest_events_total", {"type": event_type})
    return value or 0.0


def test_valid_events_are_counted_by_type_when_the_batch_is_counted() -> None:
    registry = CollectorRegistry()
    router = IngestRouter(Settings(), IngestMetrics.create(registry))
    values = [
        orjson.dumps(example("lead.created", 1)),
        orjson.dumps(example("lead.created", 2)),
        orjson.dumps(example("order.placed", 3)),
        orjson.dumps(example("lead.created", 1)),  # a duplicate: a dead letter
        b"{not json",
    ]
    routed = [router.route(_record(v, i))[0] for i, v in enumerate(values)]
    assert routed == [True, True, True, False, False]
    assert _counted(registry, "lead.created") == 0, "counted once a batch, not per event"
    router.count()
    assert _counted(registry, "lead.created") == 2
    assert _counted(registry, "order.placed") == 1
    router.count()  # nothing routed since: nothing added
    assert _counted(registry, "lead.created") == 2
    assert _counted(registry, "order.placed") == 1
