"""Placing orders: ids, cost from the product margin, plan accounting and refunds.

Every order, whatever started it (a won deal, an upsell, a monthly renewal), goes
through ``OrderDesk.place`` so revenue is counted for the plan exactly once, the
``revenue_behind_plan`` anomaly is applied in one spot, and a small share of orders is
later cancelled, as real billing data always has some refunds.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from salespulse.simulate.company import CURRENCY, Product
from salespulse.simulate.customers import Customer
from salespulse.simulate.rand import Picker, at_least_cent, below, money
from salespulse.simulate.timeline import business_moment
from salespulse.simulate.world import World

#: Share of one-off orders (new, upsell, cross-sell) refunded within two weeks.
CANCEL_RATE = 0.03
CANCEL_REASONS = ("customer_request", "payment_failed", "duplicate_order", "wrong_plan")
CANCEL_WEIGHTS = (0.5, 0.25, 0.1, 0.15)
_CANCEL_REASON = Picker(CANCEL_REASONS, CANCEL_WEIGHTS)


class OrderDesk:
    def __init__(self, world: World) -> None:
        self._world = world
        self._rng = world.stream("orders")

    def place(
        self,
        moment: datetime,
        customer: Customer,
        kind: str,
        product: Product,
        amount: float,
        attribution: dict[str, Any] | None = None,
    ) -> None:
        """Write an ``order.placed``; ``amount`` is what it would be without anomalies."""
        planned = amount
        self._world.ledger.add_revenue(moment.date(), customer.rep, planned)
        if kind != "renewal":
            amount *= self._world.effects.revenue_factor(customer.team, moment)
        data = {
            "order_id": self._world.ids.next("ord"),
            "customer_id": customer.id,
            "amount": at_least_cent(amount),
            "cost": money(amount * (1 - product.margin)),
            "currency": CURRENCY,
            "kind": kind,
            "product": product.id,
            **_owner(customer),
            **(attribution or {}),
        }
        self._world.agenda.add(moment, "order.placed", data)
        if kind != "renewal" and self._rng.random() < CANCEL_RATE:
            self._cancel(moment, customer, data, planned)

    def _cancel(
        self, placed: datetime, customer: Customer, order: dict[str, Any], planned: float
    ) -> None:
        """Refund ``order`` within two weeks; a planned order's refund lowers the plan too."""
        later = placed.date() + timedelta(days=1 + below(self._rng, 14))
        moment = business_moment(later, self._rng)
        if placed.date() >= self._world.first_day:
            self._world.ledger.add_revenue(moment.date(), customer.rep, -planned)
        data = {
            "order_id": self._world.ids.next("refund"),
            "customer_id": customer.id,
            "amount": order["amount"],
            "currency": CURRENCY,
            "original_order_id": order["order_id"],
            "product": order["product"],
            "rep": customer.rep,
            "region": customer.region,
            "reason": _CANCEL_REASON(self._rng),
        }
        self._world.agenda.add(moment, "order.cancelled", data)


def _owner(customer: Customer) -> dict[str, str]:
    """Who the order counts for: the account's rep, team and region."""
    return {"rep": customer.rep, "team": customer.team, "region": customer.region}
