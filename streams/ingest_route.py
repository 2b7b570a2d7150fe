"""Where one raw message goes: the typed topic (original bytes) or the DLQ (a record).

Nothing here can raise for one bad message: a validator bug becomes an
``internal_error`` dead letter, so the consumer loop never stops on input.
"""

from __future__ import annotations

import logging
from typing import Any

from salespulse.events import Envelope
from salespulse.ingest import (
    DeadLetterReason,
    DedupWindow,
    FieldError,
    Rejection,
    Validator,
    dead_letter,
)
from salespulse.ingest.handoff import ValidatedHandoff
from salespulse.settings import Settings
from streams.metrics import IngestMetrics

log = logging.getLogger(__name__)
TYPE_HEADER = "salespulse-type"


class IngestRouter:
    """Routes one record (anything with topic, partition, offset, key and value)."""

    def __init__(
        self, settings: Settings, metrics: IngestMetrics, handoff: ValidatedHandoff | None = None
    ) -> None:
        ingest = settings.ingest
        dedup = DedupWindow(ingest.dedup_horizon_seconds, ingest.dedup_max_ids)
        self.validator = Validator(
            ingest.max_message_bytes, dedup, max_future_seconds=ingest.max_future_seconds
        )
        self.keep_bytes = ingest.dlq_payload_bytes
        self.metrics = metrics
        self.handoff = handoff

    def route(self, message: Any) -> tuple[bool, bytes, list[tuple[str, bytes]]]:
        """(is_valid, value to send, headers) for one consumed record."""
        raw = message.value
        try:
            result = self.validator.check(raw)
        except Exception as exc:  # noqa: BLE001 - one bad message must not stop the agent
            log.exception("validator failed at %s/%s", message.partition, message.offset)
            result = Rejection(DeadLetterReason.INTERNAL_ERROR, (FieldError("", repr(exc)),))
        if isinstance(result, Envelope):
            event_type = result.type  # type: ignore[attr-defined]
            self.metrics.valid(event_type)
            if self.handoff is not None:
                self.handoff.put(raw, result)  # type: ignore[arg-type]
            return True, raw, [(TYPE_HEADER, event_type.encode())]
        self.metrics.rejected(result.reason)
        letter = dead_letter(
            result,
            raw,
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            key=message.key,
            keep_bytes=self.keep_bytes,
        )
        return False, letter.to_json(), [("salespulse-reason", result.reason.value.encode())]
