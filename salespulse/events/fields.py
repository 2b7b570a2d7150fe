"""Constrained field types shared by every event.

Bounds live here once so that a producer bug (a 10 MB id, a negative order, a
float-rounded amount, a naive timestamp) is rejected at the edge rather than
poisoning KPI state downstream.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints

from salespulse.events.currencies import ISO_4217

#: Largest amount accepted on any money field (10^12 in the event's currency).
MAX_MONEY = Decimal("1000000000000")

Id = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@/\-]*$"),
]
"""An identifier: 1-128 chars of letters, digits and ``._:@/-``, starting alphanumeric."""

Label = Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=True)]
"""A free human-readable label (reason, segment): bounded, never empty."""


def _known_currency(code: str) -> str:
    if code not in ISO_4217:
        raise ValueError(f"unknown ISO 4217 currency code {code!r}")
    return code


Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(_known_currency)]

Money = Annotated[
    Decimal,
    Field(ge=0, le=MAX_MONEY, max_digits=19, decimal_places=4, allow_inf_nan=False),
]
"""A non-negative amount with at most 4 decimal places; never a float."""

PositiveMoney = Annotated[
    Decimal,
    Field(gt=0, le=MAX_MONEY, max_digits=19, decimal_places=4, allow_inf_nan=False),
]


def _plausible_year(moment: datetime) -> datetime:
    """Year 1 or 9999 is a typo or junk; it would also overflow local-day arithmetic."""
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ValueError(f"year {moment.year} is outside {MIN_YEAR}..{MAX_YEAR}")
    return moment


MIN_YEAR, MAX_YEAR = 1970, 2999
EventTime = Annotated[AwareDatetime, AfterValidator(_plausible_year)]
"""Event time must carry a zone: a naive timestamp is ambiguous across regions."""
