"""Print an ``ImportReport`` with rich: a summary line, then three small tables."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from salespulse.importers.report import ImportReport
from salespulse.importers.results import RejectedRow


def render_report(report: ImportReport, console: Console, *, title: str = "import") -> None:
    rate = report.rows_read / report.seconds if report.seconds > 0 else 0.0
    console.print(
        f"[bold]{escape(title)}[/]: {report.rows_read:,} rows read, "
        f"{report.total_events:,} events, {report.total_rejects:,} rejected "
        f"in {report.seconds:.1f} s ({rate:,.0f} rows/s)"
    )
    if report.events:
        console.print(_events_table(report))
    if report.rejects:
        console.print(_reasons_table(report))
    if report.sample:
        console.print(_sample_table(report.sample, report.total_rejects))


def _events_table(report: ImportReport) -> Table:
    table = Table(title="Events by type", title_justify="left")
    table.add_column("type")
    table.add_column("events", justify="right")
    for kind, count in sorted(report.events.items()):
        table.add_row(kind, f"{count:,}")
    return table


def _reasons_table(report: ImportReport) -> Table:
    table = Table(title="Rejected by reason", title_justify="left")
    table.add_column("reason", overflow="fold")
    table.add_column("rejected", justify="right")
    table.add_column("rows", justify="right")
    for reason, count in report.rejects.most_common():
        table.add_row(Text(reason), f"{count:,}", f"{report.rejected_rows[reason]:,}")
    return table


def _sample_table(sample: list[RejectedRow], total: int) -> Table:
    title = f"First {len(sample)} of {total:,} rejected"
    table = Table(title=title, title_justify="left")
    table.add_column("line", justify="right")
    table.add_column("rule")
    table.add_column("group")
    table.add_column("reason", overflow="fold")
    table.add_column("detail", overflow="fold")
    for reject in sample:
        lines = str(reject.line)
        if reject.last_line != reject.line:
            lines += f"-{reject.last_line}"
        group = Text(reject.group or "-")
        table.add_row(lines, reject.rule or "-", group, Text(reject.reason), Text(reject.detail))
    return table
