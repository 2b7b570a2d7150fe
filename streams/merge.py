"""Release events from several partitions in event-time order.

The KPI engine is order-sensitive across entities (a customer's acquisition looks up
a lead that lives on another partition; lateness is judged against a watermark), so
the worker feeds it the partitions merged by event time, the order a backtest over
the file sees. A partition with nothing buffered holds the merge back until it is
known to be caught up, exactly like a watermark that is the minimum over partitions.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(order=True, slots=True)
class _Head:
    time: datetime
    partition: int
    offset: int


@dataclass
class PartitionMerge(Generic[T]):
    """Buffers per partition; ``release`` yields (partition, offset, item) in time order."""

    partitions: tuple[int, ...]
    buffers: dict[int, deque[tuple[datetime, int, T]]] = field(default_factory=dict)
    limits: dict[int, int] = field(default_factory=dict)
    pushed_next: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.buffers = {p: deque() for p in self.partitions}

    def push(self, partition: int, offset: int, time: datetime, item: T) -> None:
        self.buffers[partition].append((time, offset, item))
        self.pushed_next[partition] = offset + 1

    def hold_from(self, partition: int, offset: int) -> None:
        """Release nothing at or after ``offset`` on ``partition`` (replay up to a commit)."""
        self.limits[partition] = offset

    def release_limits(self) -> None:
        self.limits.clear()

    def _ready(self, partition: int) -> bool:
        buf = self.buffers[partition]
        limit = self.limits.get(partition)
        return bool(buf) and (limit is None or buf[0][1] < limit)

    def release(self, caught_up: Callable[[int], bool]) -> list[tuple[int, int, T]]:
        """Everything releasable now; ``caught_up(p)`` says p has no unread committed data."""
        out: list[tuple[int, int, T]] = []
        heads = [self._head(p) for p in self.partitions if self._ready(p)]
        heap = [h for h in heads if h is not None]
        heapq.heapify(heap)
        while heap:
            head = heapq.heappop(heap)
            if not self._others_allow(head.partition, caught_up):
                break
            time, offset, item = self.buffers[head.partition].popleft()
            out.append((head.partition, offset, item))
            nxt = self._head(head.partition) if self._ready(head.partition) else None
            if nxt is not None:
                heapq.heappush(heap, nxt)
        return out

    def _head(self, partition: int) -> _Head | None:
        buf = self.buffers[partition]
        return _Head(buf[0][0], partition, buf[0][1]) if buf else None

    def _others_allow(self, partition: int, caught_up: Callable[[int], bool]) -> bool:
        """Another partition with nothing releasable holds the merge back unless it is
        caught up (live) or has delivered everything up to its replay limit: during a
        replay, a partition whose records below the limit are still to be fetched must
        hold it back too, or the replay would apply events out of time order."""
        for other in self.partitions:
            if other == partition or self._ready(other):
                continue
            limit = self.limits.get(other)
            if limit is not None:
                if self.pushed_next.get(other, 0) < limit:
                    return False
                continue
            if not caught_up(other):
                return False
        return True

    def buffered(self) -> int:
        return sum(len(b) for b in self.buffers.values())
