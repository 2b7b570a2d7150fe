"""What the KPI engine publishes: one value of one KPI for one series and window."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

Number = Decimal | int | float


class KpiValue(NamedTuple):
    """``value`` is None when the denominator is zero; numerator/denominator are kept.

    A named tuple rather than a frozen dataclass: a publish builds ~4,000 of these for
    the ~36 series 1,000 events/s touch in 0.1 s, and a frozen dataclass sets each of
    its eight fields through ``object.__setattr__`` (0.94 µs a value against 0.29).
    Equal values compare and hash alike either way; they are never sorted.
    """

    kpi: str
    dimension: str
    key: str
    window: str
    as_of: date
    value: float | None
    numerator: Number
    denominator: Number | None

    @property
    def series_id(self) -> tuple[str, str, str, str]:
        return (self.kpi, self.dimension, self.key, self.window)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kpi": self.kpi,
            "dimension": self.dimension,
            "key": self.key,
            "window": self.window,
            "as_of": self.as_of.isoformat(),
            "value": self.value,
            "numerator": _plain(self.numerator),
            "denominator": None if self.denominator is None else _plain(self.denominator),
        }


def _plain(number: Number) -> str | int | float:
    return str(number) if isinstance(number, Decimal) else number
