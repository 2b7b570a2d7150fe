"""Encoding of KPI changes for ``sales.kpis`` and the rule for what counts as a change."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import orjson

from detectors.record import AnomalyRecord
from salespulse.kpis import KpiValue

SeriesId = tuple[str, str, str, str]


def publishable(values: Iterable[KpiValue], current: dict[SeriesId, KpiValue]) -> list[KpiValue]:
    """Values whose value, numerator or denominator differ from the last published one."""
    changed = []
    for value in values:
        old = current.get(value.series_id)
        if old is None or (old.value, old.numerator, old.denominator, old.as_of) != (
            value.value,
            value.numerator,
            value.denominator,
            value.as_of,
        ):
            changed.append(value)
            current[value.series_id] = value
    return changed


def encode_anomaly(record: AnomalyRecord) -> tuple[bytes, bytes]:
    """Key = fingerprint (one incident's records stay in order on one partition)."""
    return record.fingerprint.encode(), record.model_dump_json().encode()


def encode_value(value: KpiValue, watermark: datetime | None) -> tuple[bytes, bytes]:
    """Key ``kpi|dimension|key|window`` (compaction keeps the latest), JSON value."""
    body = value.to_dict()
    body["watermark"] = watermark.isoformat() if watermark else None
    return "|".join(value.series_id).encode(), orjson.dumps(body)
