"""Existing customers month by month: renewal or churn, and now and then an upsell.

On each customer's billing day the subscription either renews (an ``order.placed`` of
kind ``renewal`` for the MRR) or the customer churns (``customer.churned`` with the lost
MRR). Renewing customers sometimes buy more seats (upsell) or another product
(cross-sell) during the following weeks, which raises the MRR billed next month.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from salespulse.simulate.company import CURRENCY
from salespulse.simulate.customers import Customer, CustomerBook, seats
from salespulse.simulate.orders import OrderDesk
from salespulse.simulate.rand import Picker, below, money
from salespulse.simulate.timeline import at_midnight, business_moment
from salespulse.simulate.world import World

UPSELL_RATE = 0.04
CROSS_SELL_RATE = 0.025
CHURN_REASONS = ("price", "switched_competitor", "low_usage", "business_closed", "poor_support")
CHURN_WEIGHTS = (0.3, 0.25, 0.25, 0.1, 0.1)
_CHURN_REASON = Picker(CHURN_REASONS, CHURN_WEIGHTS)
#: Billing runs at night: 03:00-05:00.
BILLING_FROM, BILLING_SPAN = timedelta(hours=3), 7200


class AccountDesk:
    def __init__(self, world: World, book: CustomerBook, desk: OrderDesk) -> None:
        self._world, self._book, self._desk = world, book, desk
        self._rng = world.stream("accounts")
        self._churn = {r.id: r.monthly_churn for r in world.company.regions}

    def day(self, day: date) -> None:
        for customer in self._book.due(day):
            self._bill(customer, day)

    def _bill(self, customer: Customer, day: date) -> None:
        rng = self._rng
        moment = at_midnight(day) + BILLING_FROM + timedelta(seconds=below(rng, BILLING_SPAN))
        churn, upsell, cross_sell = rng.random(), rng.random(), rng.random()
        factor = self._world.effects.churn_factor(customer.region, moment)
        if churn < self._churn[customer.region] * factor:
            self._churned(customer, moment)
            return
        self._desk.place(moment, customer, "renewal", customer.product, customer.mrr)
        if upsell < UPSELL_RATE:
            self._upsell(customer, day)
        if cross_sell < CROSS_SELL_RATE:
            self._cross_sell(customer, day)

    def _churned(self, customer: Customer, moment: datetime) -> None:
        customer.churned = True
        data = {
            "customer_id": customer.id,
            "lost_mrr": money(customer.mrr),
            "currency": CURRENCY,
            "reason": _CHURN_REASON(self._rng),
            "region": customer.region,
            "rep": customer.rep,
        }
        self._world.agenda.add(moment, "customer.churned", data)

    def _upsell(self, customer: Customer, day: date) -> None:
        """More seats of the same product, sold within the next four weeks."""
        extra = max(1, seats(self._rng) // 2)
        moment = self._sales_moment(day)
        product = customer.product
        customer.mrr += product.monthly_price * extra
        self._desk.place(moment, customer, "upsell", product, product.list_price * extra)

    def _cross_sell(self, customer: Customer, day: date) -> None:
        """Another product for the same customer; its MRR joins the subscription."""
        others = [p for p in self._world.company.products if p is not customer.product]
        product = self._rng.choice(others)
        extra = max(1, seats(self._rng) // 2)
        customer.mrr += product.monthly_price * extra
        self._desk.place(
            self._sales_moment(day), customer, "cross_sell", product, product.list_price * extra
        )

    def _sales_moment(self, day: date) -> datetime:
        return business_moment(day + timedelta(days=1 + below(self._rng, 26)), self._rng)
