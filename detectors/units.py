"""What a KPI is measured in, and the money impact of an anomaly on it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

__all__ = ["SEVERITIES", "is_last_day_of_month", "money_impact", "unit_of"]

SEVERITIES = {"info": 0, "warning": 1, "critical": 2}

_COUNT = frozenset(
    "leads orders won lost customers_acquired customers_churned new_opportunities "
    "open_pipeline_count".split()
)
_RATIO = frozenset(
    "win_rate lead_conversion churn_rate lead_to_opportunity upsell_rate cross_sell_rate "
    "margin_pct expansion_revenue_share sales_growth plan_attainment plan_pace "
    "open_pipeline_trend revenue_vs_team ltv_cac".split()
)
_DAYS = frozenset("sales_cycle_days sales_cycle_days_median stage_days".split())


def unit_of(kpi: str) -> Any:
    """count, ratio, days, months, score or money (``stage_days.x`` by its stem)."""
    stem = kpi.split(".", 1)[0]
    if stem in _COUNT:
        return "count"
    if stem in _RATIO:
        return "ratio"
    if stem in _DAYS:
        return "days"
    if stem == "cac_payback_months":
        return "months"
    if stem == "opportunity_score":
        return "score"
    return "money"


def money_impact(
    unit: str, observed: float | None, expected: float | None, currency: str
) -> dict[str, Any] | None:
    """observed − expected in the event currency, for KPIs in money."""
    if unit != "money" or observed is None or expected is None:
        return None
    amount = Decimal(repr(observed - expected)).quantize(Decimal("0.01"))
    return {"amount": amount, "currency": currency}


def is_last_day_of_month(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1
