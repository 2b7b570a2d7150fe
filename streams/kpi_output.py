"""Encoding of KPI changes for ``sales.kpis`` and the rule for what counts as a change."""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from detectors.record import AnomalyRecord
from salespulse.kpis import KpiValue

SeriesId = tuple[str, str, str, str]


def publishable(values: Iterable[KpiValue], current: dict[SeriesId, KpiValue]) -> list[KpiValue]:
    """Values whose as-of day, value, numerator or denominator differ from the last
    published one.

    Slices of the named tuple (its first four fields are the series id, the last four
    what is compared): a publish asks this of ~4,500 values, and building the id and the
    compared fields attribute by attribute took 1.2-1.3 µs a value (measured in process
    on the benchmark's mix, one publish per 100 events: 5.3-6.0 ms, now 4.4).
    """
    changed = []
    get = current.get
    for value in values:
        series_id = value[:4]
        old = get(series_id)
        if old is None or old[4:] != value[4:]:
            changed.append(value)
            current[series_id] = value
    return changed


def encode_anomaly(record: AnomalyRecord) -> tuple[bytes, bytes]:
    """Key = fingerprint (one incident's records stay in order on one partition)."""
    return record.fingerprint.encode(), record.model_dump_json().encode()


def encode_value(value: KpiValue, watermark: str | None) -> tuple[bytes, bytes]:
    """Key ``kpi|dimension|key|window`` (compaction keeps the latest), JSON value.

    ``watermark`` comes formatted (``KpiEngine.clock``): one publish encodes ~2,300
    values with the same watermark, and formatting it for each was 1.5 µs of 3.8.
    """
    body = value.to_dict()
    body["watermark"] = watermark
    return "|".join(value[:4]).encode(), orjson.dumps(body)
