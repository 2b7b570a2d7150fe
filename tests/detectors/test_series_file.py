"""Series CSV files: parsing (with line numbers on errors) and the output format."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone

import pytest

from detectors.base import Point, Verdict
from detectors.profiles import build
from detectors.series_file import OUTPUT_COLUMNS, detect, read_points, write_rows


def lines(text: str) -> io.StringIO:
    return io.StringIO(text)


def test_reads_naive_aware_and_missing_values() -> None:
    points = list(
        read_points(
            lines(
                "timestamp,value\n"
                "2024-01-01,10\n"
                "2024-01-01T06:30:00Z,\n"
                "2024-01-03T00:00:00+03:00,2.5e3\n"
            )
        )
    )
    assert points == [
        Point(datetime(2024, 1, 1, tzinfo=UTC), 10.0),
        Point(datetime(2024, 1, 1, 6, 30, tzinfo=UTC), None),
        Point(datetime(2024, 1, 3, tzinfo=timezone(timedelta(hours=3))), 2500.0),
    ]


def test_reads_optional_counts_and_skips_blank_lines() -> None:
    text = "timestamp,value,numerator,denominator\n2024-01-01,0.25,1,4\n\n2024-01-02,,,\n"
    points = list(read_points(lines(text)))
    assert points[0] == Point(datetime(2024, 1, 1, tzinfo=UTC), 0.25, 1.0, 4.0)
    assert points[1] == Point(datetime(2024, 1, 2, tzinfo=UTC), None, None, None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("timestamp,value\n2024-01-01,1\n2024-01-02,abc\n", "line 3: bad value 'abc'"),
        ("timestamp,value\n2024-13-01,1\n", "line 2: bad timestamp '2024-13-01'"),
        ("timestamp,value\n2024-01-01,1,2\n", "line 2: expected 2 columns, got 3"),
        ("timestamp,value\n2024-01-01,nan\n", "line 2: value 'nan' is not finite"),
        ("time,amount\n2024-01-01,1\n", "line 1: header must be"),
        ("", "line 1: header must be"),
    ],
)
def test_bad_rows_name_their_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        list(read_points(lines(text)))


def test_irregular_spacing_is_scored() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    gaps = [1, 1, 2, 1, 3, 1, 1, 5]  # days, hours-long holes and repeats alike
    rows, moment = ["timestamp,value"], start
    for i in range(200):
        moment += timedelta(days=gaps[i % len(gaps)], hours=i % 5)
        rows.append(f"{moment.isoformat()},{100 + (i * 37) % 11}")
    rows.append(f"{(moment + timedelta(days=1)).isoformat()},5")
    verdicts = [v for _, v in detect(read_points(lines("\n".join(rows))), build("money"))]
    assert len(verdicts) == 201
    assert not any(v.is_anomaly for v in verdicts[:-1])
    assert verdicts[-1].is_anomaly and verdicts[-1].direction == "drop"


def test_output_has_four_columns_and_one_row_per_point() -> None:
    points = [
        Point(datetime(2024, 1, 1, tzinfo=UTC), 1.5),
        Point(datetime(2024, 1, 2, tzinfo=UTC), None),
    ]
    out = io.StringIO()
    rows = [(points[0], Verdict(0.25, False)), (points[1], Verdict(0.9, True, direction="drop"))]
    assert write_rows(out, rows) == 2
    table = list(csv.reader(io.StringIO(out.getvalue())))
    assert table == [
        list(OUTPUT_COLUMNS),
        ["2024-01-01T00:00:00+00:00", "1.5", "0.250000", "false"],
        ["2024-01-02T00:00:00+00:00", "", "0.900000", "true"],
    ]
