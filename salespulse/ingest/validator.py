"""Turn raw bytes into a typed event or a reasoned rejection — never raise, never both.

This is the contract the ingest agent relies on: whatever a producer sends, the
result is exactly one of ``SalesEvent`` or ``Rejection``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from salespulse.events import EVENT_ADAPTER, SalesEvent
from salespulse.ingest.dedup import DedupWindow
from salespulse.ingest.reasons import DeadLetterReason as R


@dataclass(frozen=True, slots=True)
class FieldError:
    path: str
    message: str


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: R
    errors: tuple[FieldError, ...]
    event_type: str | None = None
    event_id: str | None = None

    @property
    def summary(self) -> str:
        first = self.errors[0] if self.errors else None
        detail = f": {first.path}: {first.message}" if first else ""
        return f"{self.reason.value}{detail}"


_ROOT_REASONS = {
    "json_invalid": R.MALFORMED_JSON,
    "json_type": R.MALFORMED_JSON,
    "dict_type": R.NOT_AN_OBJECT,
    "model_type": R.NOT_AN_OBJECT,
    "union_tag_not_found": R.MISSING_TYPE,
    "union_tag_invalid": R.UNKNOWN_TYPE,
}
_MAX_ERRORS = 20


class Validator:
    """Size check, schema validation and duplicate detection for one consumer."""

    def __init__(
        self,
        max_bytes: int,
        dedup: DedupWindow,
        max_future_seconds: float = 86400.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_bytes = max_bytes
        self.dedup = dedup
        self.max_future_seconds = max_future_seconds
        self.clock = clock

    def check(self, raw: bytes | None) -> SalesEvent | Rejection:
        if not raw:
            return Rejection(R.EMPTY, (FieldError("", "message has no value"),))
        if len(raw) > self.max_bytes:
            msg = f"{len(raw)} bytes is over the limit of {self.max_bytes}"
            return Rejection(R.OVERSIZED, (FieldError("", msg),))
        try:
            event = EVENT_ADAPTER.validate_json(raw)
        except ValidationError as exc:
            return _rejection(exc)
        moment = event.time.timestamp()
        if moment > self.clock() + self.max_future_seconds:
            # one event from year 9999 would otherwise move the watermark (and the dedup
            # horizon) centuries ahead: every real event after it would look late
            ahead = f"{self.max_future_seconds:g} s"
            msg = f"event time {event.time.isoformat()} is more than {ahead} ahead of now"
            return Rejection(R.FUTURE, (FieldError("time", msg),), event.type, event.id)
        if self.dedup.seen(event.id, moment):
            msg = f"id {event.id!r} already seen within the dedup horizon"
            return Rejection(R.DUPLICATE, (FieldError("id", msg),), event.type, event.id)
        return event


def _rejection(exc: ValidationError) -> Rejection:
    details = exc.errors(include_url=False, include_input=False, include_context=False)
    first = details[0]
    event_type = str(first["loc"][0]) if first["loc"] else None
    errors = tuple(_field_error(d) for d in details[:_MAX_ERRORS])
    return Rejection(_reason(details), errors, event_type)


def _reason(details: list[ErrorDetails]) -> R:
    first = details[0]
    if not first["loc"]:
        return _ROOT_REASONS.get(first["type"], R.SCHEMA_INVALID)
    if any(d["loc"][1:] == ("schema_version",) and d["type"] == "literal_error" for d in details):
        return R.UNSUPPORTED_VERSION
    return R.SCHEMA_INVALID


def _field_error(detail: ErrorDetails) -> FieldError:
    loc = detail["loc"][1:] if len(detail["loc"]) > 1 else detail["loc"]
    return FieldError(".".join(str(x) for x in loc), detail["msg"])
