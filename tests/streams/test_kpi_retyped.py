"""A raw batch typed twice is applied once, however old its events are.

An ingest rebalance can type a batch twice: the old owner's transaction commits its
offsets after the new owner has read the previous ones (aiokafka has no
generation-fenced ``send_offsets_to_transaction``). The failover test through the
broker found it with an opening snapshot re-typed two simulated weeks later, beyond
the id horizon: counted late instead of duplicate. The records here are stand-ins
with the headers ingest writes; ``tests/faults/test_crash_recovery.py`` is the run
through the broker.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from prometheus_client import CollectorRegistry

from salespulse.settings import Settings
from salespulse.simulate import SimulationConfig, simulate
from streams.ingest_route import RAW_OFFSET_HEADER, TYPE_HEADER, raw_offset
from streams.kpi_service import KpiService
from streams.metrics import KpiMetrics


def _typed(event: Any, raw: int | None) -> SimpleNamespace:
    headers = [(TYPE_HEADER, event.type.encode())]
    if raw is not None:
        headers.append((RAW_OFFSET_HEADER, b"%d" % raw))
    return SimpleNamespace(key=event.entity_key.encode(), value=event.to_json(), headers=headers)


def _service() -> tuple[KpiService, CollectorRegistry]:
    registry = CollectorRegistry()
    # an id horizon of one second: only the raw offsets can tell the second copies
    settings = Settings(ingest={"dedup_horizon_seconds": 1})
    return KpiService(settings, KpiMetrics.create(registry)), registry


def _events(n: int | None = None) -> list[Any]:
    events = list(simulate(SimulationConfig(seed=3, days=3, scale=0.05)).events)
    return events[:n]


def test_a_batch_typed_again_is_counted_as_duplicates_not_late() -> None:
    service, registry = _service()
    events = _events()  # three simulated days: the first ones are long past the id horizon
    n = len(events)
    first = [(0, i, (e, _typed(e, raw=i))) for i, e in enumerate(events)]
    again = [(0, n + i, (e, _typed(e, raw=i))) for i, e in enumerate(events[:15])]
    service._apply(first)
    service._apply(again)
    assert service.engine.applied == n
    assert service.engine.late == 0
    assert registry.get_sample_value("salespulse_kpi_duplicate_events_total") == 15
    assert service._applied_next[0] == n + 15  # the copies' offsets are committed past


def test_records_without_the_raw_offset_still_apply_and_dedup_by_id() -> None:
    service, registry = _service()
    events = _events(10)
    service._apply([(1, i, (e, _typed(e, raw=None))) for i, e in enumerate(events)])
    service._apply([(1, 10, (events[-1], _typed(events[-1], raw=None)))])
    assert service.engine.applied == 10
    assert registry.get_sample_value("salespulse_kpi_duplicate_events_total") == 1


def test_raw_offset_reads_the_header_among_others() -> None:
    assert raw_offset([(TYPE_HEADER, b"lead.created"), (RAW_OFFSET_HEADER, b"1234")]) == 1234
    assert raw_offset([(TYPE_HEADER, b"lead.created")]) is None
    assert raw_offset(None) is None
