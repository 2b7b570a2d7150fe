"""What an import yields for each event it tried to build: one event, or one rejection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from salespulse.events import Envelope


@dataclass(frozen=True, slots=True)
class ImportedRow:
    """A validated event and the rows it came from (``rows`` > 1 for a group)."""

    line: int
    last_line: int
    rows: int
    event: Envelope


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """Rows that did not become an event of ``rule`` (``None``: no rule matched them).

    ``reason`` names the field and the problem without the offending value, so equal
    problems count together; ``detail`` carries the value and, for a group, the line;
    ``group`` is the ``group_by`` key (e.g. the invoice number) when the rule groups.
    """

    line: int
    last_line: int
    rows: int
    rule: str | None
    reason: str
    detail: str = ""
    group: str | None = None

    @property
    def key(self) -> str:
        """What rejections are counted by: the event type and the reason."""
        return f"{self.rule}: {self.reason}" if self.rule else self.reason

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "last_line": self.last_line,
            "rows": self.rows,
            "rule": self.rule,
            "reason": self.reason,
            "detail": self.detail,
            "group": self.group,
        }

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())


Outcome = ImportedRow | RejectedRow
