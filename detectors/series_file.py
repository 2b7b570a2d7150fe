"""Univariate series files: ``timestamp,value`` CSV in, ``timestamp,value,score,is_anomaly`` out.

Timestamps are ISO-8601 (naive ones are taken as UTC), spacing may be regular or not;
an empty value is a missing point. Optional ``numerator`` and ``denominator`` columns
feed ratio detectors. A bad row raises ``ValueError`` naming its line (1 = the header).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import TextIO

from detectors.base import Detector, Point, Verdict

__all__ = ["OUTPUT_COLUMNS", "detect", "read_points", "write_rows"]

OUTPUT_COLUMNS = ("timestamp", "value", "score", "is_anomaly")
_OPTIONAL = ("numerator", "denominator")


def _time(text: str, line: int) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"line {line}: bad timestamp {text!r} (want ISO-8601)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _number(text: str, column: str, line: int) -> float | None:
    if not text.strip():
        return None
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"line {line}: bad {column} {text!r} (want a number)") from None
    if not math.isfinite(number):
        raise ValueError(f"line {line}: {column} {text!r} is not finite")
    return number


def _columns(header: list[str] | None) -> list[str]:
    names = [name.strip().lower() for name in header or []]
    if names[:2] != ["timestamp", "value"] or not set(names[2:]) <= set(_OPTIONAL):
        raise ValueError(
            f"line 1: header must be 'timestamp,value' (optionally numerator,denominator), "
            f"got {','.join(header or [])!r}"
        )
    return names


def read_points(lines: Iterable[str]) -> Iterator[Point]:
    """Yield one ``Point`` per data row of a CSV series, in file order."""
    reader = csv.reader(lines)
    names = _columns(next(reader, None))
    for row in reader:
        line = reader.line_num
        if not row or not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(names):
            raise ValueError(f"line {line}: expected {len(names)} columns, got {len(row)}")
        cells = dict(zip(names, row, strict=True))
        yield Point(
            _time(cells["timestamp"], line),
            _number(cells["value"], "value", line),
            *(_number(cells[name], name, line) if name in cells else None for name in _OPTIONAL),
        )


def detect(points: Iterable[Point], detector: Detector) -> Iterator[tuple[Point, Verdict]]:
    """Each point with the verdict ``detector`` gives it (judged, then learned)."""
    for point in points:
        yield point, detector.update(point)


def write_rows(out: TextIO, rows: Iterable[tuple[Point, Verdict]]) -> int:
    """Write the header and one row per point; return the number of rows written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(OUTPUT_COLUMNS)
    count = 0
    for point, verdict in rows:
        value = "" if point.value is None else repr(point.value)
        anomaly = "true" if verdict.is_anomaly else "false"
        writer.writerow((point.time.isoformat(), value, f"{verdict.score:.6f}", anomaly))
        count += 1
    return count
