"""The record written to the dead-letter topic: enough to find, understand and replay."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Literal

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
    key_text = _text(key)[0] if key is not None else None
    return DeadLetter(
        reason=rejection.reason,
        errors=[DeadLetterError(path=e.path, message=e.message) for e in rejection.errors],
        event_type=rejection.event_type,
        event_id=rejection.event_id,
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
