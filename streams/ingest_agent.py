"""The first agent: raw bytes from ``sales.events`` to the typed topic or the DLQ.

Messages are taken in batches so validation runs in a tight loop; every message
of a batch ends in exactly one of the two output topics, and nothing in the loop
can raise for one bad message (faust would ack the batch and skip the rest).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

import faust

from salespulse.events import Envelope
from salespulse.ingest import (
    DeadLetterReason,
    DedupWindow,
    FieldError,
    Rejection,
    Validator,
    dead_letter,
)
from salespulse.settings import Settings
from streams.metrics import IngestMetrics

log = logging.getLogger(__name__)
TYPE_HEADER = "salespulse-type"


class IngestPipeline:
    """Routes one message; kept apart from the agent so tests can drive it directly."""

    def __init__(self, settings: Settings, metrics: IngestMetrics) -> None:
        ingest = settings.ingest
        dedup = DedupWindow(ingest.dedup_horizon_seconds, ingest.dedup_max_ids)
        self.validator = Validator(ingest.max_message_bytes, dedup)
        self.keep_bytes = ingest.dlq_payload_bytes
        self.metrics = metrics

    def route(self, message: Any) -> tuple[bool, bytes, list[tuple[str, bytes]]]:
        """(is_valid, value to send, headers) for one faust ``Message``."""
        raw = message.value
        try:
            result = self.validator.check(raw)
        except Exception as exc:  # noqa: BLE001 - one bad message must not stop the agent
            log.exception("validator failed at %s/%s", message.partition, message.offset)
            result = Rejection(DeadLetterReason.INTERNAL_ERROR, (FieldError("", repr(exc)),))
        if isinstance(result, Envelope):
            event_type = result.type  # type: ignore[attr-defined]
            self.metrics.valid(event_type)
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


def register_ingest(app: faust.App, settings: Settings, metrics: IngestMetrics) -> Any:
    topics = settings.topics
    raw_topic = app.topic(topics.events, key_serializer="raw", value_serializer="raw")
    typed_topic = app.topic(topics.typed, key_serializer="raw", value_serializer="raw")
    dlq_topic = app.topic(topics.dlq, key_serializer="raw", value_serializer="raw")
    pipeline = IngestPipeline(settings, metrics)
    size, within = settings.ingest.batch_size, settings.ingest.batch_within_seconds

    async def forward(events: Sequence[faust.types.EventT]) -> None:
        metrics.messages.inc(len(events))
        metrics.batch_size.observe(len(events))
        for event in events:
            message = event.message
            valid, value, headers = pipeline.route(message)
            target = typed_topic if valid else dlq_topic
            await target.send(key=message.key, value=value, headers=headers)

    @app.agent(raw_topic, name="salespulse.ingest")
    async def ingest(stream: faust.StreamT[Any]) -> None:
        # take_events is on faust.Stream but missing from the StreamT protocol
        batches = cast(faust.Stream[Any], stream).take_events(size, within=within)
        async for events in batches:
            await forward(events)

    return ingest
