"""Value transforms of the mapping language, and the error a row's expression raises.

Amounts are ``Decimal`` from the cell text onwards: a float never touches money.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation

Value = str | Decimal | datetime | int | bool
"""What an expression yields for one row (``None`` means empty)."""

_NOT_ID = re.compile(r"[^A-Za-z0-9._:@/\-]+")


class ExpressionError(ValueError):
    """One row's expression could not be computed; the row is rejected, the import goes on.

    ``reason`` is generic (it is what rejects are counted by); ``detail`` holds the value.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason} ({detail})" if detail else reason)
        self.reason = reason
        self.detail = detail


def to_decimal(value: Value) -> Decimal:
    """Exact decimal from a cell or a number; rejects floats, NaN and infinities."""
    if isinstance(value, str):
        number = _parse_decimal(value)
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    else:
        raise ExpressionError("not a decimal number", repr(value))
    if not number.is_finite():
        raise ExpressionError("not a finite decimal number", str(value))
    return number


def _parse_decimal(text: str) -> Decimal:
    try:
        return Decimal(text)  # surrounding whitespace is allowed by Decimal
    except InvalidOperation:
        raise ExpressionError("not a decimal number", repr(text)) from None


def _text(value: Value) -> str:
    return value if isinstance(value, str) else str(value)


def slug(value: Value) -> str:
    """An id-safe form: other characters become ``_`` ('United Kingdom' -> 'United_Kingdom')."""
    return _NOT_ID.sub("_", _text(value).strip()).strip("_.:@/-")


def integer(value: Value) -> str:
    """A whole number as text without its decimal part: '17850.0' -> '17850'."""
    number = to_decimal(value)
    if number != number.to_integral_value():
        raise ExpressionError("not a whole number", str(value))
    return str(int(number))


TRANSFORMS: dict[str, Callable[[Value], Value]] = {
    "strip": lambda v: _text(v).strip(),
    "lower": lambda v: _text(v).lower(),
    "upper": lambda v: _text(v).upper(),
    "slug": slug,
    "decimal": to_decimal,
    "integer": integer,
    "abs": lambda v: abs(to_decimal(v)),
    "negate": lambda v: -to_decimal(v),
}


def chain(names: Sequence[str]) -> Callable[[Value], Value] | None:
    """Compose the named transforms left to right; ``None`` when there are none."""
    steps = [TRANSFORMS[name] for name in names]
    if not steps:
        return None

    def run(value: Value) -> Value:
        for step in steps:
            value = step(value)
        return value

    return run
