"""The agenda of future events, released in time order as validated envelopes.

A lead's whole story (qualification, opportunity, stages, close) is decided the moment
the lead appears, but each step is written only when the simulation clock passes it.
A heap keyed by (time, insertion number) gives a stable order for equal timestamps,
and raw payloads are kept as plain dicts until release, which keeps the agenda cheap.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from salespulse.events import SCHEMA_VERSION, SalesEvent, event_from_dict

SOURCE = "simulator"

_Item = tuple[datetime, int, str, dict[str, Any]]
#: Receives events dated before the period: (type, payload), in generation order.
Sink = Callable[[str, dict[str, Any]], None]


class Agenda:
    """Pending events; ``release`` validates them and assigns ids ``sim-<seed>-<n>``.

    Events dated before ``opens`` (the warm-up) are never published: they go straight
    to ``before`` and skip the heap, which keeps the warm-up cheap.
    """

    def __init__(self, seed: int, opens: datetime, before: Sink | None = None) -> None:
        self._opens, self._before = opens, before
        self._heap: list[_Item] = []
        self._pushed = 0
        self._released = 0
        self._prefix = f"sim-{seed}-"

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, moment: datetime, event_type: str, data: dict[str, Any]) -> None:
        if moment < self._opens:
            if self._before is not None:
                self._before(event_type, data)
            return
        self.publish(moment, event_type, data)

    def publish(self, moment: datetime, event_type: str, data: dict[str, Any]) -> None:
        """Queue an event even if dated before the period (the opening snapshot)."""
        heapq.heappush(self._heap, (moment, self._pushed, event_type, data))
        self._pushed += 1

    def release(self, until: datetime) -> Iterator[SalesEvent]:
        """Every pending event strictly before ``until``, oldest first."""
        heap = self._heap
        while heap and heap[0][0] < until:
            moment, _, event_type, data = heapq.heappop(heap)
            yield self._envelope(moment, event_type, data)

    def _envelope(self, moment: datetime, event_type: str, data: dict[str, Any]) -> SalesEvent:
        self._released += 1
        return event_from_dict(
            {
                "id": f"{self._prefix}{self._released}",
                "time": moment,
                "source": SOURCE,
                "schema_version": SCHEMA_VERSION,
                "type": event_type,
                "data": data,
            }
        )
