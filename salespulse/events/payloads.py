"""The ``data`` payload of each event type.

Fields are the ones the KPI catalogue needs (see docs/events.md for which KPI
reads which field). Every payload forbids unknown fields: a misspelt field is an
error the producer hears about (through the dead-letter topic), not a value
silently missing from a KPI.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator

from salespulse.events.fields import Currency, Id, Label, Money, PositiveMoney


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_max_length=1024)


class OrderKind(StrEnum):
    NEW = "new"
    UPSELL = "upsell"
    CROSS_SELL = "cross_sell"
    RENEWAL = "renewal"


class Dimension(StrEnum):
    COMPANY = "company"
    TEAM = "team"
    REP = "rep"
    REGION = "region"
    CHANNEL = "channel"
    CAMPAIGN = "campaign"
    PRODUCT = "product"


class TargetMetric(StrEnum):
    REVENUE = "revenue"
    PROFIT = "profit"
    ORDERS = "orders"
    LEADS = "leads"
    OPPORTUNITIES = "opportunities"
    WON_DEALS = "won_deals"
    NEW_CUSTOMERS = "new_customers"


MONEY_METRICS = frozenset({TargetMetric.REVENUE, TargetMetric.PROFIT})


class LeadCreated(Payload):
    lead_id: Id
    channel: Id
    campaign: Id | None = None
    region: Id
    rep: Id | None = None
    team: Id | None = None


class LeadQualified(Payload):
    """BANT qualification; a lead is sales-qualified when all four flags hold."""

    lead_id: Id
    budget: bool
    authority: bool
    need: bool
    timeline: bool
    rep: Id | None = None

    @property
    def qualified(self) -> bool:
        return self.budget and self.authority and self.need and self.timeline


class OpportunityCreated(Payload):
    opportunity_id: Id
    lead_id: Id | None = None
    amount: Money
    currency: Currency
    stage: Id
    rep: Id
    team: Id
    region: Id
    product: Id
    channel: Id | None = None
    campaign: Id | None = None


class OpportunityStageChanged(Payload):
    opportunity_id: Id
    from_stage: Id
    to_stage: Id
    rep: Id | None = None

    @model_validator(mode="after")
    def _moves(self) -> Self:
        if self.from_stage == self.to_stage:
            raise ValueError("from_stage and to_stage are equal: not a stage change")
        return self


class OpportunityWon(Payload):
    opportunity_id: Id
    amount: Money
    currency: Currency
    rep: Id
    customer_id: Id | None = None


class OpportunityLost(Payload):
    opportunity_id: Id
    reason: Label
    rep: Id


class OrderPlaced(Payload):
    order_id: Id
    customer_id: Id
    amount: PositiveMoney
    cost: Money | None = None
    currency: Currency
    kind: OrderKind
    product: Id
    rep: Id | None = None
    team: Id | None = None
    region: Id | None = None
    channel: Id | None = None
    campaign: Id | None = None
    opportunity_id: Id | None = None


class OrderCancelled(Payload):
    """A cancellation or refund of an earlier order; reduces revenue by ``amount``."""

    order_id: Id
    customer_id: Id | None = None
    amount: PositiveMoney
    currency: Currency
    original_order_id: Id | None = None
    product: Id | None = None
    rep: Id | None = None
    region: Id | None = None
    reason: Label | None = None


class CustomerAcquired(Payload):
    customer_id: Id
    lead_id: Id | None = None
    channel: Id | None = None
    campaign: Id | None = None
    region: Id | None = None
    rep: Id | None = None
    team: Id | None = None


class CustomerChurned(Payload):
    customer_id: Id
    lost_mrr: Money
    currency: Currency
    reason: Label
    region: Id | None = None
    rep: Id | None = None


class _Period(Payload):
    period_start: date
    period_end: date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


class MarketingSpend(_Period):
    campaign: Id
    channel: Id
    amount: Money
    currency: Currency


class TargetScope(Payload):
    dimension: Dimension
    key: Id


class TargetSet(_Period):
    scope: TargetScope
    metric: TargetMetric
    value: Money
    currency: Currency | None = None

    @model_validator(mode="after")
    def _currency_for_money(self) -> Self:
        if self.metric in MONEY_METRICS and self.currency is None:
            raise ValueError(f"currency is required for money metric {self.metric.value!r}")
        if self.metric not in MONEY_METRICS and self.currency is not None:
            raise ValueError(f"currency must be absent for count metric {self.metric.value!r}")
        return self
