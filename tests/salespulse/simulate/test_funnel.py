"""The business looks like a business: funnel ratios, seasonality, money and ordering."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from salespulse.simulate.company import PRODUCTS
from salespulse.simulate.timeline import closing_days, is_business_day

if TYPE_CHECKING:
    from conftest import Run

LIST_PRICE = {p.id: Decimal(str(p.list_price)) for p in PRODUCTS}
MARGIN = {p.id: p.margin for p in PRODUCTS}


def _period_opportunities(run: Run) -> list:
    return [e for e in run.in_period("opportunity.created") if e.time.date() >= run.start]


def test_lead_to_opportunity_ratio_is_about_a_quarter(clean: Run) -> None:
    ratio = len(_period_opportunities(clean)) / len(clean.in_period("lead.created"))
    assert 0.18 < ratio < 0.30


def test_about_half_of_assessed_leads_pass_bant(clean: Run) -> None:
    assessed = clean.in_period("lead.qualified")
    share = sum(e.data.qualified for e in assessed) / len(assessed)
    assert 0.42 < share < 0.58


def test_win_ratio_is_between_a_quarter_and_a_third(clean: Run) -> None:
    won, lost = len(clean.in_period("opportunity.won")), len(clean.in_period("opportunity.lost"))
    assert 0.24 < won / (won + lost) < 0.36


def test_lead_conversion_is_a_few_percent(clean: Run) -> None:
    acquired = [e for e in clean.in_period("customer.acquired") if e.data.lead_id]
    assert 0.04 < len(acquired) / len(clean.in_period("lead.created")) < 0.11


def test_weekends_bring_far_fewer_leads(clean: Run) -> None:
    per_day = clean.daily(clean.in_period("lead.created"))
    weekday = statistics.mean(v for d, v in per_day.items() if d.weekday() < 5)
    weekend = statistics.mean(v for d, v in per_day.items() if d.weekday() >= 5)
    assert weekend < 0.5 * weekday


def test_sales_cycles_last_weeks(clean: Run) -> None:
    cycles = [c for e in clean.in_period("opportunity.won") if (c := clean.cycle_days(e))]
    assert len(cycles) > 300
    assert 14 < statistics.median(cycles) < 42
    assert min(cycles) >= 3


def test_month_end_push(clean: Run) -> None:
    per_day = clean.daily(clean.in_period("opportunity.won", "opportunity.lost"))
    january = clean.start
    last_three = closing_days(january)
    mid = [january + timedelta(days=n) for n in range(9, 25)]
    mid_mean = statistics.mean(per_day[d] for d in mid if is_business_day(d))
    assert statistics.mean(per_day[d] for d in last_three) > 1.4 * mid_mean


def test_sales_activity_happens_on_business_days(clean: Run) -> None:
    sales = clean.in_period("opportunity.created", "opportunity.won", "opportunity.lost",
                            "opportunity.stage_changed", "lead.qualified")
    assert all(is_business_day(e.time.date()) and 9 <= e.time.hour < 19 for e in sales)


def test_opportunity_amount_is_list_price_times_seats(clean: Run) -> None:
    for e in clean.of("opportunity.created"):
        assert e.data.amount % LIST_PRICE[e.data.product] == 0


def test_stages_advance_in_order_before_a_win(clean: Run) -> None:
    stages: dict[str, list[str]] = defaultdict(list)
    for e in clean.of("opportunity.created", "opportunity.stage_changed", "opportunity.won"):
        d = e.data
        if e.type == "opportunity.created":
            stages[d.opportunity_id].append(d.stage)
        elif e.type == "opportunity.stage_changed":
            assert stages[d.opportunity_id][-1] == d.from_stage
            stages[d.opportunity_id].append(d.to_stage)
        else:
            assert stages[d.opportunity_id][-1] == "negotiation"


def test_every_win_brings_a_customer_and_a_matching_new_order(clean: Run) -> None:
    won = {e.data.opportunity_id: e for e in clean.of("opportunity.won")}
    new = {e.data.opportunity_id: e for e in clean.of("order.placed") if e.data.kind == "new"}
    acquired = {e.data.customer_id for e in clean.of("customer.acquired")}
    assert won and new.keys() <= won.keys()
    for opp, order in new.items():
        assert order.data.amount == won[opp].data.amount
        assert order.data.customer_id == won[opp].data.customer_id in acquired
        expected_cost = order.data.amount * Decimal(str(1 - MARGIN[order.data.product]))
        assert abs(order.data.cost - expected_cost) <= Decimal("0.02")


def test_existing_customers_renew_upsell_cross_sell_and_cancel(clean: Run) -> None:
    kinds = {e.data.kind.value for e in clean.of("order.placed")}
    assert kinds == {"new", "upsell", "cross_sell", "renewal"}
    placed = {e.data.order_id for e in clean.of("order.placed")}
    cancelled = clean.in_period("order.cancelled")
    assert cancelled and all(e.data.original_order_id for e in cancelled)
    late = [e for e in cancelled if e.time.date() > clean.start + timedelta(days=20)]
    assert all(e.data.original_order_id in placed for e in late)


def test_monthly_churn_is_two_to_four_percent(clean: Run) -> None:
    opening = [e for e in clean.of("customer.acquired") if e.time.date() < clean.start]
    january = [e for e in clean.in_period("customer.churned") if e.time.month == 1]
    assert 0.02 < len(january) / len(opening) < 0.04


def test_spend_is_daily_per_campaign(clean: Run) -> None:
    spend = clean.in_period("marketing.spend")
    days = {(e.data.campaign, e.data.period_start) for e in spend}
    assert len(days) == len(spend) == 8 * 60
    assert all(e.data.period_start == e.data.period_end == e.time.date() for e in spend)
