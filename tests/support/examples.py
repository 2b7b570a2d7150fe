"""One valid event per type, as plain dicts, for tests to start from and break."""

from __future__ import annotations

import copy
from typing import Any

T = "2026-03-02T10:15:00+03:00"


def _env(event_type: str, data: dict[str, Any], n: int = 1) -> dict[str, Any]:
    return {
        "id": f"ex-{event_type}-{n}",
        "type": event_type,
        "time": T,
        "source": "tests",
        "schema_version": 1,
        "data": data,
    }


_EXAMPLES: dict[str, dict[str, Any]] = {
    "lead.created": _env(
        "lead.created",
        {"lead_id": "L1", "channel": "paid_search", "campaign": "c-spring", "region": "minsk"},
    ),
    "lead.qualified": _env(
        "lead.qualified",
        {"lead_id": "L1", "budget": True, "authority": True, "need": True, "timeline": False},
    ),
    "opportunity.created": _env(
        "opportunity.created",
        {
            "opportunity_id": "O1",
            "lead_id": "L1",
            "amount": "12500.00",
            "currency": "BYN",
            "stage": "discovery",
            "rep": "r1",
            "team": "t1",
            "region": "minsk",
            "product": "crm",
        },
    ),
    "opportunity.stage_changed": _env(
        "opportunity.stage_changed",
        {"opportunity_id": "O1", "from_stage": "discovery", "to_stage": "proposal"},
    ),
    "opportunity.won": _env(
        "opportunity.won",
        {
            "opportunity_id": "O1",
            "amount": "12000",
            "currency": "BYN",
            "rep": "r1",
            "customer_id": "C1",
        },
    ),
    "opportunity.lost": _env(
        "opportunity.lost", {"opportunity_id": "O2", "reason": "price", "rep": "r1"}
    ),
    "order.placed": _env(
        "order.placed",
        {
            "order_id": "S1",
            "customer_id": "C1",
            "amount": "1200.50",
            "cost": "700",
            "currency": "BYN",
            "kind": "upsell",
            "product": "crm",
            "rep": "r1",
        },
    ),
    "order.cancelled": _env(
        "order.cancelled",
        {
            "order_id": "S1-c",
            "customer_id": "C1",
            "amount": "100",
            "currency": "BYN",
            "original_order_id": "S1",
        },
    ),
    "customer.acquired": _env(
        "customer.acquired", {"customer_id": "C1", "lead_id": "L1", "channel": "paid_search"}
    ),
    "customer.churned": _env(
        "customer.churned",
        {"customer_id": "C1", "lost_mrr": "300", "currency": "BYN", "reason": "competitor"},
    ),
    "marketing.spend": _env(
        "marketing.spend",
        {
            "campaign": "c-spring",
            "channel": "paid_search",
            "amount": "450.00",
            "currency": "BYN",
            "period_start": "2026-03-02",
            "period_end": "2026-03-02",
        },
    ),
    "target.set": _env(
        "target.set",
        {
            "scope": {"dimension": "rep", "key": "r1"},
            "metric": "revenue",
            "value": "50000",
            "currency": "BYN",
            "period_start": "2026-03-01",
            "period_end": "2026-03-31",
        },
    ),
}


def example(event_type: str, n: int = 1) -> dict[str, Any]:
    """A fresh deep copy (tests mutate it); ``n`` makes the id unique."""
    event = copy.deepcopy(_EXAMPLES[event_type])
    event["id"] = f"ex-{event_type}-{n}"
    return event


EVENT_TYPES = tuple(_EXAMPLES)
