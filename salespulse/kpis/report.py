"""A terminal summary of a backtest: company KPIs per window, and the scorer's calibration."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from salespulse.kpis.backtest import BacktestResult

_WINDOWS = ("day", "7d", "30d", "mtd", "qtd", "now")


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.4f}" if abs(value) < 10 else f"{value:,.0f}"


def print_summary(result: BacktestResult, console: Console | None = None) -> None:
    console = console or Console()
    console.print(
        f"{result.events:,} events ({result.late:,} late, {result.invalid:,} invalid) "
        f"in {result.seconds:.2f}s; as of {result.as_of}"
    )
    company: dict[str, dict[str, float | None]] = {}
    for v in result.values:
        if v.dimension == "company":
            company.setdefault(v.kpi, {})[v.window] = v.value
    table = Table(title="Company KPIs", title_justify="left")
    table.add_column("kpi")
    for window in _WINDOWS:
        table.add_column(window, justify="right")
    for kpi, by_window in company.items():
        table.add_row(kpi, *(_fmt(by_window.get(w)) for w in _WINDOWS))
    console.print(table)
    report = result.engine.scorer.calibration()
    console.print(f"opportunity scoring calibration: {report.to_dict()}")
