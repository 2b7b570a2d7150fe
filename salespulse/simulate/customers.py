"""The customer book: who pays what each month, and whose monthly anniversary is today.

Subscriptions renew on the day of the month the customer was won; grouping customers
by that day makes the daily pass over the book proportional to the customers due, not
to the whole book, which is what keeps a simulated year fast.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from salespulse.simulate.company import Company, Product
from salespulse.simulate.rand import Picker, lognormal
from salespulse.simulate.timeline import at_midnight, month_end
from salespulse.simulate.world import EntityIds

#: A customer is first billed a month after the win (the new order covers month one).
FIRST_RENEWAL_AFTER = timedelta(days=27)


@dataclass(slots=True)
class Customer:
    id: str
    region: str
    rep: str
    team: str
    product: Product
    mrr: float
    since: datetime
    churned: bool = False


class CustomerBook:
    """Customers bucketed by billing day (1-31); churned ones are dropped lazily."""

    def __init__(self) -> None:
        self._by_day: list[list[Customer]] = [[] for _ in range(32)]
        self.size = 0

    def add(self, customer: Customer) -> None:
        self._by_day[customer.since.day].append(customer)
        self.size += 1

    def due(self, day: date) -> list[Customer]:
        """Active customers billed on ``day``; month ends also take days 29-31 that don't exist."""
        last = 31 if day == month_end(day) else day.day
        cutoff = at_midnight(day) - FIRST_RENEWAL_AFTER
        found: list[Customer] = []
        for billing_day in range(day.day, last + 1):
            bucket = [c for c in self._by_day[billing_day] if not c.churned]
            self._by_day[billing_day] = bucket
            found.extend(c for c in bucket if c.since <= cutoff)
        return found


def seats(rng: random.Random) -> int:
    """Licences in a deal: mostly a handful, occasionally a few dozen."""
    return min(60, max(1, round(lognormal(rng, 3.0, 0.8))))


def opening_customers(
    company: Company, rng: random.Random, count: int, start: date, ids: EntityIds
) -> list[Customer]:
    """The book at ``start``: customers won during the year before it."""
    region = Picker([r.id for r in company.regions], [r.lead_share for r in company.regions])
    product_of = Picker(company.products, [p.share for p in company.products])
    found = []
    for _ in range(count):
        rep = rng.choice(company.routing[region(rng)])
        product = product_of(rng)
        since = at_midnight(start) - timedelta(days=rng.uniform(0, 365))
        mrr = product.monthly_price * seats(rng)
        customer_id = ids.next("cust")
        found.append(Customer(customer_id, rep.region, rep.id, rep.team, product, mrr, since))
    return found
