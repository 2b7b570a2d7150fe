"""The state of the business when the period starts, announced as one snapshot.

A real company does not start on day one: it has customers and deals in flight. The
engine therefore runs a silent warm-up before ``start`` and publishes none of it (the
agenda hands warm-up events to ``Prologue.take`` instead of queueing them).
Instead, one minute before the period it announces what the warm-up left behind:
each active customer (``customer.acquired``) and each open opportunity
(``opportunity.created`` at its current stage). Consumers can then compute churn and
open pipeline value from the first day, and every later won, lost or churned event
refers to an entity they have seen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from salespulse.simulate.customers import Customer
from salespulse.simulate.schedule import Agenda


class Prologue:
    """Open opportunities and active customers, rebuilt from unpublished warm-up events."""

    def __init__(self) -> None:
        self.opportunities: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}

    def add_customer(self, customer: Customer) -> None:
        """A customer from before the warm-up, known only through the book."""
        self.customers[customer.id] = {
            "customer_id": customer.id,
            "region": customer.region,
            "rep": customer.rep,
            "team": customer.team,
        }

    def take(self, event_type: str, data: dict[str, Any]) -> None:
        """Track one unpublished warm-up event (an ``Agenda`` sink)."""
        handler = _HANDLERS.get(event_type)
        if handler is not None:
            handler(self, data)

    def announce(self, agenda: Agenda, moment: datetime) -> None:
        """Queue the snapshot: customers first, then open opportunities, in id order."""
        for data in self.customers.values():
            agenda.publish(moment, "customer.acquired", data)
        for data in self.opportunities.values():
            agenda.publish(moment, "opportunity.created", data)
        self.customers, self.opportunities = {}, {}

    def _opened(self, data: dict[str, Any]) -> None:
        self.opportunities[data["opportunity_id"]] = dict(data)

    def _moved(self, data: dict[str, Any]) -> None:
        self.opportunities[data["opportunity_id"]]["stage"] = data["to_stage"]

    def _closed(self, data: dict[str, Any]) -> None:
        del self.opportunities[data["opportunity_id"]]

    def _acquired(self, data: dict[str, Any]) -> None:
        self.customers[data["customer_id"]] = data

    def _churned(self, data: dict[str, Any]) -> None:
        del self.customers[data["customer_id"]]


_HANDLERS = {
    "opportunity.created": Prologue._opened,
    "opportunity.stage_changed": Prologue._moved,
    "opportunity.won": Prologue._closed,
    "opportunity.lost": Prologue._closed,
    "customer.acquired": Prologue._acquired,
    "customer.churned": Prologue._churned,
}
