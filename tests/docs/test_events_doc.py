"""docs/events.md must name every event type and every payload field."""

from __future__ import annotations

from pathlib import Path

import pytest

from salespulse.events import EVENT_ADAPTER, EVENT_TYPES
from salespulse.ingest import DeadLetterReason

DOC = (Path(__file__).resolve().parents[2] / "docs" / "events.md").read_text()


def _payload_fields() -> dict[str, list[str]]:
    schema = EVENT_ADAPTER.json_schema()
    out = {}
    for ref in schema["discriminator"]["mapping"].items():
        event_type, target = ref
        envelope = schema["$defs"][target.rsplit("/", 1)[1]]
        data_ref = envelope["properties"]["data"]["$ref"].rsplit("/", 1)[1]
        out[event_type] = list(schema["$defs"][data_ref]["properties"])
    return out


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_type_and_field_is_documented(event_type: str) -> None:
    row = next(line for line in DOC.splitlines() if line.startswith(f"| `{event_type}` |"))
    for name in _payload_fields()[event_type]:
        assert name in row, f"{event_type}.{name} missing from docs/events.md"


def test_every_dead_letter_reason_is_documented() -> None:
    for reason in DeadLetterReason:
        assert f"`{reason.value}`" in DOC
