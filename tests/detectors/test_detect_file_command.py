"""``detect-file``: a series CSV in, the scored CSV out; bad input exits 1 naming the line."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from detectors.command import detect_file

WEEKLY = [1.0, 1.1, 1.05, 1.0, 1.2, 0.6, 0.4]


def series_file(path: Path, days: int = 100, step_day: int = 80) -> Path:
    rng = random.Random(5)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rows = ["timestamp,value"]
    for day in range(days):
        level = 1000.0 if day < step_day else 300.0
        value = "" if day == 10 else f"{level * WEEKLY[day % 7] * rng.gauss(1, 0.05):.2f}"
        rows.append(f"{(start + timedelta(days=day)).date().isoformat()},{value}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_writes_scores_to_stdout(tmp_path: Path) -> None:
    source = series_file(tmp_path / "revenue.csv")
    result = CliRunner().invoke(detect_file, [str(source)])
    assert result.exit_code == 0, result.output
    rows = table(result.output)
    assert rows[0] == ["timestamp", "value", "score", "is_anomaly"]
    assert len(rows) == 101 and all(len(row) == 4 for row in rows)
    assert rows[11][1] == ""  # the missing value stays missing
    fired = [i - 1 for i, row in enumerate(rows[1:], start=1) if row[3] == "true"]
    assert fired and 80 <= fired[0] < 83


def test_writes_to_output_with_a_profile(tmp_path: Path) -> None:
    source = series_file(tmp_path / "orders.csv")
    target = tmp_path / "scored.csv"
    result = CliRunner().invoke(
        detect_file, [str(source), "--profile", "counts", "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert result.output == ""
    rows = table(target.read_text(encoding="utf-8"))
    assert len(rows) == 101 and rows[0][2] == "score"


def test_ratio_profile_reads_counts(tmp_path: Path) -> None:
    source = tmp_path / "win_rate.csv"
    lines = ["timestamp,value,numerator,denominator"]
    for day in range(40):
        won = 12 if day < 39 else 1
        moment = datetime(2024, 2, 1) + timedelta(hours=20 * day)  # naive: taken as UTC
        lines.append(f"{moment.isoformat()},{won / 40},{won},40")
    source.write_text("\n".join(lines), encoding="utf-8")
    result = CliRunner().invoke(detect_file, [str(source), "--profile", "ratio"])
    assert result.exit_code == 0, result.output
    assert table(result.output)[-1][3] == "true"


def test_bad_row_exits_1_naming_the_line(tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("timestamp,value\n2024-01-01,1\n2024-01-02,1O0\n", encoding="utf-8")
    result = CliRunner().invoke(detect_file, [str(source)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: ") and "line 3: bad value '1O0'" in lines[0]


def test_unknown_profile_is_a_usage_error(tmp_path: Path) -> None:
    source = series_file(tmp_path / "revenue.csv", days=3)
    result = CliRunner().invoke(detect_file, [str(source), "--profile", "percent"])
    assert result.exit_code == 2
