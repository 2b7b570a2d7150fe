"""KPI formulas over an aggregated window: each returns (numerator, denominator, value).

A value is None exactly when its denominator is zero (or an input KPI is None), so
the caller can tell "no data" from "zero". Money leaves the cells' ten-thousandths here
(``money``): numerators and denominators are amounts, as events carry them.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from decimal import Decimal

from salespulse.kpis.cells import DayCell, money
from salespulse.kpis.values import Number

Result = tuple[Number, Number | None, float | None]
Formula = Callable[[DayCell], Result]


def ratio(num: Number, den: Number) -> Result:
    return num, den, (None if den == 0 else float(num) / float(den))


def total(num: Number) -> Result:
    return num, None, float(num)


def gross_profit(c: DayCell) -> Decimal:
    return money(c.costed_revenue - c.cost)


def _median(c: DayCell) -> Result:
    values = c.cycle_days or ()
    median = statistics.median(values) if values else None
    return (median if median is not None else 0.0), len(values), median


CELL_FORMULAS: dict[str, Formula] = {
    "revenue": lambda c: total(money(c.revenue)),
    "gross_profit": lambda c: total(gross_profit(c)),
    "margin_pct": lambda c: ratio(gross_profit(c), money(c.costed_revenue)),
    "orders": lambda c: total(c.orders),
    "avg_order_value": lambda c: ratio(money(c.order_revenue), c.orders),
    "arpu": lambda c: ratio(money(c.revenue), c.payers),
    "leads": lambda c: total(c.leads),
    "lead_to_opportunity": lambda c: ratio(c.opps_created, c.leads),
    "lead_conversion": lambda c: ratio(c.leads_converted, c.leads),
    "won": lambda c: total(c.won),
    "lost": lambda c: total(c.lost),
    "win_rate": lambda c: ratio(c.won, c.won + c.lost),
    "sales_cycle_days": lambda c: ratio(sum(c.cycle_days or ()), len(c.cycle_days or ())),
    "sales_cycle_days_median": _median,
    "new_opportunities": lambda c: total(c.opps_created),
    "new_opportunity_value": lambda c: total(money(c.opps_created_value)),
    "customers_acquired": lambda c: total(c.acquired),
    "customers_churned": lambda c: total(c.churned),
    "churned_mrr": lambda c: total(money(c.churned_mrr)),
    "spend": lambda c: total(money(c.spend)),
    "cac": lambda c: ratio(money(c.spend), c.acquired),
    "upsell_rate": lambda c: ratio(c.upsell_orders, c.orders),
    "cross_sell_rate": lambda c: ratio(c.cross_sell_orders, c.orders),
    "expansion_revenue_share": lambda c: ratio(
        money(c.upsell_revenue + c.cross_sell_revenue), money(c.order_revenue)
    ),
}


def growth(current: Decimal, previous: Decimal) -> Result:
    num, den, value = ratio(current, previous)
    return num, den, (None if value is None else value - 1.0)


def product_or_none(*factors: float | None) -> float | None:
    out = 1.0
    for factor in factors:
        if factor is None:
            return None
        out *= factor
    return out


def divide(num: float | None, den: float | None) -> Result:
    if num is None or den is None:
        return (num if num is not None else 0.0), den, None
    return num, den, (None if den == 0 else num / den)
