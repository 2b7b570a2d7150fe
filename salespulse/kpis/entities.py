"""What the engine remembers about single leads, opportunities and customers.

These lookups give events the dimensions they do not carry themselves (a churn
event knows the customer, not the campaign that acquired it), and make a second
close or a second churn of the same entity a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

Series = tuple[str, str]


@dataclass(slots=True)
class LeadState:
    created: datetime
    day: date
    dims: tuple[Series, ...]
    qualified: bool = False
    converted: bool = False


@dataclass(slots=True)
class OpportunityState:
    created: datetime | None
    amount: int  # ten-thousandths, as in the cells
    stage: str
    stage_since: datetime | None
    dims: tuple[Series, ...]
    lead_id: str | None
    rep: str | None
    channel: str | None
    product: str | None
    closed: bool = False
    entered: dict[str, datetime] = field(default_factory=dict)


@dataclass(slots=True)
class CustomerState:
    dims: tuple[Series, ...]
    active: bool = True


def series_of(**keys: str | None) -> tuple[Series, ...]:
    """``company`` plus one series per dimension whose key is present."""
    found = [("company", "all")]
    found.extend((dim, key) for dim, key in keys.items() if key is not None)
    return tuple(found)


class DimsCache:
    """``series_of`` for one fixed list of dimensions, each combination of keys built once.

    Building the tuple per event was 6 % of the worker's CPU (profiled); the cached
    tuples are also shared by every lead, opportunity and customer with those keys.
    Bounded, and emptied when full: a producer minting new keys per event must not
    grow memory past the series cap (``tests/faults/test_flood.py``).
    """

    __slots__ = ("_names", "_known", "_limit")

    def __init__(self, *names: str, limit: int = 4096) -> None:
        self._names = names
        self._known: dict[tuple[str | None, ...], tuple[Series, ...]] = {}
        self._limit = limit

    def __call__(self, *keys: str | None) -> tuple[Series, ...]:
        found = self._known.get(keys)
        if found is None:
            if len(self._known) >= self._limit:
                self._known.clear()  # a flood of combinations: start over, stay bounded
            found = self._known[keys] = series_of(**dict(zip(self._names, keys, strict=True)))
        return found


def override(dims: tuple[Series, ...], **keys: str | None) -> tuple[Series, ...]:
    """``dims`` with the given dimensions replaced by the event's own keys, when present."""
    replace = {dim: key for dim, key in keys.items() if key is not None}
    kept = [(dim, key) for dim, key in dims if dim not in replace]
    return tuple(kept) + tuple(replace.items())
