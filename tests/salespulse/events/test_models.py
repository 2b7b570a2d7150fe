from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from salespulse.events import EVENT_TYPES, event_from_dict, json_schema, parse_event
from tests.support.examples import example


def test_examples_cover_every_event_type() -> None:
    from tests.support.examples import EVENT_TYPES as EXAMPLE_TYPES

    assert set(EXAMPLE_TYPES) == set(EVENT_TYPES)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_valid_example_round_trips(event_type: str) -> None:
    event = parse_event(orjson.dumps(example(event_type)))
    assert event.type == event_type
    again = parse_event(event.to_json())
    assert again == event


def _set(obj: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.split(".")
    target = obj
    for p in parents:
        target = target[p]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return obj


_DELETE = object()

# (event type, field path, bad value, error path expected)
INVALID = [
    ("lead.created", "data.lead_id", "", "data.lead_id"),
    ("lead.created", "data.region", _DELETE, "data.region"),
    ("lead.created", "data.surprise", 1, "data.surprise"),
    ("lead.qualified", "data.budget", "maybe", "data.budget"),
    ("opportunity.created", "data.amount", "-5", "data.amount"),
    ("opportunity.created", "data.amount", "1e13", "data.amount"),
    ("opportunity.created", "data.currency", "usd", "data.currency"),
    ("opportunity.stage_changed", "data.to_stage", "discovery", "data"),
    ("opportunity.won", "data.amount", "10.123456", "data.amount"),
    ("opportunity.won", "data.rep", "x" * 129, "data.rep"),
    ("opportunity.lost", "data.reason", "   ", "data.reason"),
    ("order.placed", "data.kind", "gift", "data.kind"),
    ("order.placed", "data.amount", "0", "data.amount"),
    ("order.placed", "data.currency", "ABC", "data.currency"),
    ("order.cancelled", "data.amount", "NaN", "data.amount"),
    ("customer.acquired", "data.customer_id", "has space", "data.customer_id"),
    ("customer.churned", "data.lost_mrr", "-1", "data.lost_mrr"),
    ("marketing.spend", "data.period_end", "2026-03-01", "data"),
    ("target.set", "data.currency", _DELETE, "data"),
    ("target.set", "data.scope.dimension", "planet", "data.scope.dimension"),
    ("order.placed", "time", "2026-03-02T10:15:00", "time"),
    ("order.placed", "schema_version", 2, "schema_version"),
    ("order.placed", "id", "a" * 200, "id"),
    ("order.placed", "source", "", "source"),
    ("order.placed", "extra_top", "x", "extra_top"),
]


@pytest.mark.parametrize(("event_type", "path", "value", "error_path"), INVALID)
def test_invalid_field_is_rejected_with_its_path(
    event_type: str, path: str, value: Any, error_path: str
) -> None:
    bad = _set(example(event_type), path, value)
    with pytest.raises(ValidationError) as info:
        event_from_dict(bad)
    paths = {".".join(str(x) for x in e["loc"][1:]) for e in info.value.errors()}
    assert error_path in paths


def test_money_is_decimal_and_exact() -> None:
    raw = example("order.placed")
    raw["data"]["amount"] = 0.1
    event = event_from_dict(raw)
    assert event.data.amount == Decimal("0.1")  # type: ignore[union-attr]
    assert b'"amount":"0.1"' in event.to_json()


def test_entity_key_keeps_one_entity_on_one_partition() -> None:
    won = event_from_dict(example("opportunity.won"))
    created = event_from_dict(example("opportunity.created"))
    assert won.entity_key == created.entity_key == "O1"


def test_json_schema_lists_every_type() -> None:
    schema = json_schema()
    text = orjson.dumps(schema).decode()
    for event_type in EVENT_TYPES:
        assert f'"{event_type}"' in text
    assert schema["discriminator"]["propertyName"] == "type"
