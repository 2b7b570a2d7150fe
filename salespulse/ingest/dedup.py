"""Remember recent event ids so a producer's retry is not counted twice.

Ids are kept in arrival order with their event time; the oldest are dropped
once they fall behind the newest event time by more than the horizon, or when
the bound on remembered ids is reached. Memory is O(max_ids), work O(1) amortised.
"""

from __future__ import annotations

from collections import OrderedDict


class DedupWindow:
    """Seen-id set bounded by an event-time horizon and a size cap.

    >>> w = DedupWindow(horizon_seconds=60, max_ids=1000)
    >>> w.seen("a", 0.0), w.seen("a", 10.0), w.seen("b", 100.0), w.seen("a", 101.0)
    (False, True, False, False)
    """

    __slots__ = ("_horizon", "_ids", "_max_ids", "_newest")

    def __init__(self, horizon_seconds: float, max_ids: int) -> None:
        if horizon_seconds <= 0:
            raise ValueError("horizon_seconds must be positive")
        if max_ids < 1:
            raise ValueError("max_ids must be at least 1")
        self._horizon = horizon_seconds
        self._max_ids = max_ids
        self._ids: OrderedDict[str, float] = OrderedDict()
        self._newest = float("-inf")

    def __len__(self) -> int:
        return len(self._ids)

    def seen(self, event_id: str, event_time: float) -> bool:
        """Record ``event_id``; True when it was already seen within the horizon."""
        previous = self._ids.get(event_id)
        if previous is not None and abs(event_time - previous) <= self._horizon:
            return True
        self._ids[event_id] = event_time
        self._ids.move_to_end(event_id)
        if event_time > self._newest:
            self._newest = event_time
        self._evict()
        return False

    def _evict(self) -> None:
        ids = self._ids
        cutoff = self._newest - self._horizon
        while ids:
            oldest_id, oldest_time = next(iter(ids.items()))
            if len(ids) <= self._max_ids and oldest_time >= cutoff:
                return
            del ids[oldest_id]
