"""Which KPI is published on which dimensions and windows (docs/kpis.md, "The 16 KPIs")."""

from __future__ import annotations

ALL = frozenset({"company", "team", "region", "rep", "channel", "campaign", "product"})
LEAD_DIMS = frozenset({"company", "channel", "campaign", "region", "rep", "team"})
CLOSE_DIMS = frozenset({"company", "rep", "team", "region", "product", "channel", "campaign"})
CHURN_DIMS = frozenset({"company", "region", "rep", "channel", "campaign", "team"})
SPEND_DIMS = frozenset({"company", "channel", "campaign"})
LTV_DIMS = frozenset({"company", "region", "channel", "campaign"})
STAGE_DIMS = frozenset({"company", "team", "rep"})
ORDER_MIX_DIMS = frozenset({"company", "rep", "team", "region", "product"})

#: KPI id -> dimensions, for the KPIs computed over every window from cells alone.
WINDOWED: dict[str, frozenset[str]] = {
    "revenue": ALL,
    "gross_profit": ALL,
    "margin_pct": ALL,
    "orders": ALL,
    "avg_order_value": ALL,
    "arpu": ALL,
    "sales_growth": ALL,
    "leads": LEAD_DIMS,
    "lead_to_opportunity": LEAD_DIMS,
    "lead_conversion": LEAD_DIMS,
    "won": CLOSE_DIMS,
    "lost": CLOSE_DIMS,
    "win_rate": CLOSE_DIMS,
    "sales_cycle_days": CLOSE_DIMS,
    "sales_cycle_days_median": CLOSE_DIMS,
    "new_opportunities": CLOSE_DIMS,
    "new_opportunity_value": CLOSE_DIMS,
    "customers_acquired": CHURN_DIMS,
    "customers_churned": CHURN_DIMS,
    "churn_rate": CHURN_DIMS,
    "churned_mrr": CHURN_DIMS,
    "spend": SPEND_DIMS,
    "cac": SPEND_DIMS,
    "upsell_rate": ORDER_MIX_DIMS,
    "cross_sell_rate": ORDER_MIX_DIMS,
    "expansion_revenue_share": ORDER_MIX_DIMS,
    "revenue_vs_team": frozenset({"rep"}),
    "incremental_sales": frozenset({"campaign"}),
}

#: KPIs over the 30-day window only.
THIRTY_DAY: dict[str, frozenset[str]] = {
    "cac_payback_months": SPEND_DIMS,
    "ltv": LTV_DIMS,
    "ltv_net": SPEND_DIMS,
    "ltv_cac": SPEND_DIMS,
    "open_pipeline_trend": CLOSE_DIMS,
}

#: KPIs of the current state (window ``now``).
NOW: dict[str, frozenset[str]] = {
    "open_pipeline_count": CLOSE_DIMS,
    "open_pipeline_value": CLOSE_DIMS,
    "opportunity_score": STAGE_DIMS,
}

BASELINE_DAYS = 28
