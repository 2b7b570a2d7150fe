"""The event contract: every fact SalesPulse consumes, as pydantic models."""

from salespulse.events.envelope import (
    EVENT_ADAPTER,
    EVENT_TYPES,
    SCHEMA_VERSION,
    Envelope,
    SalesEvent,
    event_from_dict,
    json_schema,
    parse_event,
)

__all__ = [
    "EVENT_ADAPTER",
    "EVENT_TYPES",
    "SCHEMA_VERSION",
    "Envelope",
    "SalesEvent",
    "event_from_dict",
    "json_schema",
    "parse_event",
]
