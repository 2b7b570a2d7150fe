"""The event envelope and the discriminated union over every event type.

One envelope class per type (``type`` is a ``Literal``) lets pydantic pick the
payload model from the tag in a single pass in Rust, which is what keeps
validation cheap enough for the ingest hot path.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from salespulse.events import payloads as p
from salespulse.events.fields import EventTime, Id

SCHEMA_VERSION = 1


class Envelope(BaseModel):
    """Fields common to every event; ``id`` is the idempotency key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Id = Field(description="Unique event id; resends of one fact must reuse it.")
    time: EventTime = Field(description="When it happened (event time), with a UTC offset.")
    source: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="The producing system, e.g. 'crm', 'billing', 'simulator'."
    )
    schema_version: Literal[1] = Field(description="Contract version; only 1 exists.")

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json", exclude_none=True))

    @property
    def entity_key(self) -> str:
        """The Kafka message key: events about one entity stay in order on one partition."""
        data: Any = getattr(self, "data")  # noqa: B009 - every concrete event has data
        for name in KEY_FIELDS:
            value = getattr(data, name, None)
            if value is not None:
                return str(value)
        return self.id


KEY_FIELDS = ("opportunity_id", "lead_id", "customer_id", "order_id", "campaign")


class LeadCreated(Envelope):
    type: Literal["lead.created"]
    data: p.LeadCreated


class LeadQualified(Envelope):
    type: Literal["lead.qualified"]
    data: p.LeadQualified


class OpportunityCreated(Envelope):
    type: Literal["opportunity.created"]
    data: p.OpportunityCreated


class OpportunityStageChanged(Envelope):
    type: Literal["opportunity.stage_changed"]
    data: p.OpportunityStageChanged


class OpportunityWon(Envelope):
    type: Literal["opportunity.won"]
    data: p.OpportunityWon


class OpportunityLost(Envelope):
    type: Literal["opportunity.lost"]
    data: p.OpportunityLost


class OrderPlaced(Envelope):
    type: Literal["order.placed"]
    data: p.OrderPlaced


class OrderCancelled(Envelope):
    type: Literal["order.cancelled"]
    data: p.OrderCancelled


class CustomerAcquired(Envelope):
    type: Literal["customer.acquired"]
    data: p.CustomerAcquired


class CustomerChurned(Envelope):
    type: Literal["customer.churned"]
    data: p.CustomerChurned


class MarketingSpend(Envelope):
    type: Literal["marketing.spend"]
    data: p.MarketingSpend


class TargetSet(Envelope):
    type: Literal["target.set"]
    data: p.TargetSet


SalesEvent: TypeAlias = Annotated[
    LeadCreated
    | LeadQualified
    | OpportunityCreated
    | OpportunityStageChanged
    | OpportunityWon
    | OpportunityLost
    | OrderPlaced
    | OrderCancelled
    | CustomerAcquired
    | CustomerChurned
    | MarketingSpend
    | TargetSet,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[SalesEvent] = TypeAdapter(SalesEvent)

EVENT_TYPES: tuple[str, ...] = (
    "lead.created",
    "lead.qualified",
    "opportunity.created",
    "opportunity.stage_changed",
    "opportunity.won",
    "opportunity.lost",
    "order.placed",
    "order.cancelled",
    "customer.acquired",
    "customer.churned",
    "marketing.spend",
    "target.set",
)


def parse_event(raw: bytes | str) -> SalesEvent:
    """Validate one JSON document; raises ``pydantic.ValidationError``."""
    return EVENT_ADAPTER.validate_json(raw)


def event_from_dict(obj: dict[str, Any]) -> SalesEvent:
    return EVENT_ADAPTER.validate_python(obj)


def json_schema() -> dict[str, Any]:
    schema = EVENT_ADAPTER.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "SalesPulse event"
    return schema
