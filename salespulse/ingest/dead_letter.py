"""The record written to the dead-letter topic: enough to find, understand and replay."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict

from salespulse.ingest.reasons import DeadLetterReason
from salespulse.ingest.validator import Rejection


class DeadLetterError(BaseModel):
    model_config = ConfigDict(frozen=True)
    path: str
    message: str


class DeadLetter(BaseModel):
    """One rejected message. ``payload`` is a bounded prefix of the original value."""

    model_config = ConfigDict(frozen=True)

    reason: DeadLetterReason
    errors: list[DeadLetterError]
    event_type: str | None = None
    event_id: str | None = None
    topic: str
    partition: int
    offset: int
    key: str | None = None
    payload: str
    payload_encoding: Literal["utf-8", "base64"]
    payload_size: int
    payload_truncated: bool
    rejected_at: datetime

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))


KEY_BYTES = 256  # of the Kafka key kept in a letter (and used as the letter's own key)
MESSAGE_CHARS = 500  # per error message: pydantic quotes the offending value


def _cut(text: str | None, limit: int) -> Any:
    """Every part of a letter is bounded, so a letter always fits the DLQ topic."""
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + "…"


def _text(raw: bytes) -> tuple[str, Literal["utf-8", "base64"]]:
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), "base64"


def dead_letter(
    rejection: Rejection,
    raw: bytes | None,
    *,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    keep_bytes: int,
    now: datetime | None = None,
) -> DeadLetter:
    value = raw or b""
    payload, encoding = _text(value[:keep_bytes])
    key_text = _text(key[:KEY_BYTES])[0] if key is not None else None
    return DeadLetter(
        reason=rejection.reason,
        errors=[
            DeadLetterError(path=_cut(e.path, 200), message=_cut(e.message, MESSAGE_CHARS))
            for e in rejection.errors
        ],
        event_type=_cut(rejection.event_type, 200),
        event_id=_cut(rejection.event_id, 200),
        topic=topic,
        partition=partition,
        offset=offset,
        key=key_text,
        payload=payload,
        payload_encoding=encoding,
        payload_size=len(value),
        payload_truncated=len(value) > keep_bytes,
        rejected_at=now or datetime.now(UTC),
    )
