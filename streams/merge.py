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
        """Everything releasable now; ``caught_up(p)`` says p has no unread committed data.

        Heads are plain ``(time, partition, offset)`` tuples and each partition's
        permission is asked once per call, not once per event: this loop runs for every
        event the worker applies.
        """
        heap: list[tuple[datetime, int, int]] = []
        for p in self.partitions:
            if self._ready(p):
                head = self.buffers[p][0]
                heap.append((head[0], p, head[1]))
            elif not self._may_pass(p, caught_up):
                return []  # an empty partition that may still hold an earlier event
        heapq.heapify(heap)
        out: list[tuple[int, int, T]] = []
        append, buffers, limits = out.append, self.buffers, self.limits
        while heap:
            partition = heap[0][1]
            buf = buffers[partition]
            _, offset, item = buf.popleft()
            append((partition, offset, item))
            if buf and (not limits or self._ready(partition)):
                head = buf[0]
                heapq.heapreplace(heap, (head[0], partition, head[1]))  # one sift, not two
            else:
                heapq.heappop(heap)
                if not self._may_pass(partition, caught_up):
                    break
        return out

    def _may_pass(self, partition: int, caught_up: Callable[[int], bool]) -> bool:
        """A partition with nothing releasable lets the others pass when it is caught up
        (live) or has delivered everything up to its replay limit: during a replay, a
        partition whose records below the limit are still to be fetched holds the merge
        back too, or the replay would apply events out of time order."""
        limit = self.limits.get(partition)
        if limit is not None:
            return self.pushed_next.get(partition, 0) >= limit
        return caught_up(partition)

    def buffered(self) -> int:
        return sum(len(b) for b in self.buffers.values())
