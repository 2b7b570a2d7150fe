"""Rolling KPIs per dimension in event time: pure Python, shared by worker and backtest."""

from salespulse.kpis.backtest import BacktestResult, backtest, backtest_file
from salespulse.kpis.compute import all_values
from salespulse.kpis.config import KpiConfig
from salespulse.kpis.engine import KpiEngine
from salespulse.kpis.values import KpiValue

__all__ = [
    "BacktestResult",
    "KpiConfig",
    "KpiEngine",
    "KpiValue",
    "all_values",
    "backtest",
    "backtest_file",
]
