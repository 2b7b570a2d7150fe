"""Account for an import while it streams: events by type, rejections by reason.

``track`` passes events through (to a file or to Kafka) and keeps only counts and
the first few rejections in memory; the full list of rejections goes to a JSONL
file when one is given, so a 500k-row import never holds its rejects in memory.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from salespulse.events import Envelope
from salespulse.importers.results import ImportedRow, Outcome, RejectedRow


@dataclass
class ImportReport:
    """Counts of one import; ``sample`` holds the first ``sample_size`` rejections."""

    sample_size: int = 10
    events: Counter[str] = field(default_factory=Counter)
    rejects: Counter[str] = field(default_factory=Counter)
    rejected_rows: Counter[str] = field(default_factory=Counter)
    imported_rows: int = 0
    sample: list[RejectedRow] = field(default_factory=list)
    rows_read: int = 0
    seconds: float = 0.0
    clock: Callable[[], float] = field(default=time.perf_counter, repr=False)

    @property
    def total_events(self) -> int:
        return self.events.total()

    @property
    def total_rejects(self) -> int:
        return self.rejects.total()

    def record(self, item: Outcome) -> Envelope | None:
        """Count ``item``; return its event when it is one."""
        if isinstance(item, ImportedRow):
            self.events[item.event.type] += 1  # type: ignore[attr-defined]
            self.imported_rows += item.rows
            return item.event
        self.rejects[item.key] += 1
        self.rejected_rows[item.key] += item.rows
        if len(self.sample) < self.sample_size:
            self.sample.append(item)
        return None

    def track(
        self, items: Iterable[Outcome], rejects_out: BinaryIO | None = None
    ) -> Iterator[Envelope]:
        """Yield the events of ``items``, recording everything; times the whole run."""
        started = self.clock()
        try:
            for item in items:
                event = self.record(item)
                if event is not None:
                    yield event
                elif rejects_out is not None and isinstance(item, RejectedRow):
                    rejects_out.write(item.to_json() + b"\n")
        finally:
            self.seconds = self.clock() - started
