"""Events ingest just validated, kept by their exact bytes for the KPI stage of the same process.

Ingest forwards a valid event's original bytes to the typed topic and, in a worker that
runs both stages, the KPI stage reads those bytes back moments later. Validating them a
second time was 14 % of the worker's CPU (py-spy, ``python -m bench.profile``).
``parse_event`` is a pure function of the bytes, so an event found here is exactly what
the second validation would return; anything not found here (partitions another worker
ingests, a restart's replay, an entry evicted) is validated as before. Nothing about
correctness depends on a hit.
"""

from __future__ import annotations

from salespulse.events import SalesEvent


class ValidatedHandoff:
    """A bounded, insertion-ordered map from raw bytes to the event validated from them."""

    __slots__ = ("_events", "capacity", "evicted", "hits", "misses")

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._events: dict[bytes, SalesEvent] = {}
        self.hits = 0
        self.misses = 0
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._events)

    def full(self) -> bool:
        """The reader is a capacity behind: the writer should wait a moment for it."""
        return len(self._events) >= self.capacity

    def put(self, raw: bytes, event: SalesEvent) -> None:
        events = self._events
        events[raw] = event
        while len(events) > self.capacity:  # the reader is not taking these: oldest go
            del events[next(iter(events))]
            self.evicted += 1

    def take(self, raw: bytes) -> SalesEvent | None:
        """The event validated from ``raw``, once; None when it has to be validated again."""
        event = self._events.pop(raw, None)
        if event is None:
            self.misses += 1
        else:
            self.hits += 1
        return event
