"""ImportReport accounting and its rich rendering."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import orjson
from rich.console import Console

from salespulse.events import event_from_dict
from salespulse.importers import ImportedRow, ImportReport, RejectedRow
from salespulse.importers.render import render_report


def imported(line: int) -> ImportedRow:
    event = event_from_dict({
        "id": f"e-{line}", "time": datetime(2024, 1, 1, tzinfo=UTC), "source": "t",
        "schema_version": 1, "type": "lead.created",
        "data": {"lead_id": "l", "channel": "web", "region": "BR"},
    })
    return ImportedRow(line, line, 1, event)


def rejected(line: int, reason: str = "data.x: bad", rows: int = 1) -> RejectedRow:
    return RejectedRow(line, line + rows - 1, rows, "order.placed", reason, f"x={line}")


def items() -> list[ImportedRow | RejectedRow]:
    return [imported(2), rejected(3, rows=4), rejected(7), rejected(8, "[bold]odd[/] reason")]


def test_track_passes_events_and_counts_everything() -> None:
    ticks = iter([10.0, 12.5])
    report = ImportReport(sample_size=2, clock=lambda: next(ticks))
    out = io.BytesIO()
    events = list(report.track(items(), out))
    assert [e.id for e in events] == ["e-2"]
    assert report.events == {"lead.created": 1}
    assert report.rejects == {
        "order.placed: data.x: bad": 2,
        "order.placed: [bold]odd[/] reason": 1,
    }
    assert report.rejected_rows["order.placed: data.x: bad"] == 5
    assert [r.line for r in report.sample] == [3, 7]  # only the first two are kept...
    written = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert [r["line"] for r in written] == [3, 7, 8]  # ...but every one is written
    assert written[0] == {
        "line": 3, "last_line": 6, "rows": 4, "rule": "order.placed",
        "reason": "data.x: bad", "detail": "x=3", "group": None,
    }
    assert report.seconds == 2.5


def test_render_shows_counts_reasons_and_lines_verbatim() -> None:
    report = ImportReport()
    list(report.track(items()))
    report.rows_read, report.seconds = 7, 0.5
    console = Console(record=True, width=200)
    render_report(report, console, title="t.csv via m")
    text = console.export_text()
    assert "t.csv via m: 7 rows read, 1 events, 3 rejected in 0.5 s (14 rows/s)" in text
    assert "[bold]odd[/] reason" in text  # reasons are text, never rich markup
    assert "3-6" in text and "x=3" in text
