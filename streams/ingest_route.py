"""Where one raw message goes: the typed topic (original bytes) or the DLQ (a record).

Nothing here can raise for one bad message: a validator bug becomes an
``internal_error`` dead letter, so the consumer loop never stops on input.
"""

from __future__ import annotations

import logging
from typing import Any

from salespulse.events import EVENT_TYPES, Envelope
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
#: one headers list per type, shared by its records (the producer only reads them)
_TYPE_HEADERS = {t: [(TYPE_HEADER, t.encode())] for t in EVENT_TYPES}


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
        #: valid events per type since the last ``count``: a labelled counter takes a
        #: lock per ``inc``, once per event that was 1 % of the worker's time
        self._valid = dict.fromkeys(EVENT_TYPES, 0)

    def count(self) -> None:
        """Add the valid events routed since the last call to the metrics (once a batch)."""
        for event_type, n in self._valid.items():
            if n:
                self.metrics.valid(event_type, n)
                self._valid[event_type] = 0

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
            self._valid[event_type] += 1
            if self.handoff is not None:
                self.handoff.put(raw, result)  # type: ignore[arg-type]
            return True, raw, _TYPE_HEADERS[event_type]
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
