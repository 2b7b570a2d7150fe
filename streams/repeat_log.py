"""Keep a retry that the client handles by itself from filling the worker's log.

Against Kafka >= 3.6 the transactional producers of both stages see a produce refused
with ``NotEnoughReplicasError`` on about one transaction in ten: the broker answers so
while the previous transaction's markers are still being written (KAFKA-15459), and
aiokafka retries after its backoff. aiokafka logs each one at WARNING, once per
partition: four lines several times a second from a healthy worker. The first of a kind
is kept, repeats within ``every_seconds`` are counted and folded into the next line
that passes; a retry that keeps failing still shows once a minute, with its count.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

#: aiokafka's line for a produce it retries: "... on topic-partition %s, retrying. Error: %s"
RETRIED_PRODUCE = "Got error produce response"
SENDER_LOGGER = "aiokafka.producer.sender"


class RepeatedRetries(logging.Filter):
    """Passes one retried-produce line per error type every ``every_seconds``."""

    def __init__(self, every_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.every_seconds = every_seconds
        self.clock = clock
        self._passed: dict[str, float] = {}  # error -> when a line of it last passed
        self._held: dict[str, int] = {}  # error -> lines suppressed since

    def filter(self, record: logging.LogRecord) -> bool:
        if not (isinstance(record.msg, str) and record.msg.startswith(RETRIED_PRODUCE)):
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        error = str(args[-1]) if args else ""
        now = self.clock()
        last = self._passed.get(error)
        if last is not None and now - last < self.every_seconds:
            self._held[error] = self._held.get(error, 0) + 1
            return False
        held = self._held.pop(error, 0)
        self._passed[error] = now
        if held:
            record.msg = f"{record.msg} ({held} more like it in the last {self.every_seconds:g} s)"
        return True


_FILTER = RepeatedRetries()


def install() -> None:
    """Idempotent: fold repeated retried-produce warnings of aiokafka's sender."""
    logger = logging.getLogger(SENDER_LOGGER)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
