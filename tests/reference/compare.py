"""Compare engine output with the reference and describe every difference readably.

Counts must be equal ints, money equal Decimals (never floats), and floats equal
within a relative 1e-9 (absolute 1e-12). A failure lists the missing/extra series
and the differing values grouped by KPI, so one wrong rule reads as one block.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from tests.reference.kpis import Entry, Key

REL_TOL = 1e-9
ABS_TOL = 1e-12
SHOWN = 12
#: Published by the engine but model-dependent, so not re-implemented here.
NOT_CHECKED = frozenset({"opportunity_score"})


def engine_values(
    values: Iterable[Any], as_of: date | None
) -> tuple[dict[Key, Entry], list[str]]:
    """KpiValues as a dict; problems: duplicated series, an as_of other than the run's."""
    out: dict[Key, Entry] = {}
    problems: list[str] = []
    for item in values:
        if item.kpi in NOT_CHECKED:
            continue
        key = (item.kpi, item.dimension, item.key, item.window)
        if key in out:
            problems.append(f"published twice: {key}")
        if item.as_of != as_of:
            problems.append(f"{key}: as_of {item.as_of} but the run's as_of is {as_of}")
        out[key] = (item.value, item.numerator, item.denominator)
    return out, problems


def same_float(expected: float | None, got: Any) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    if isinstance(got, bool) or not isinstance(got, int | float | Decimal):
        return False
    return math.isclose(float(got), expected, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def same_number(expected: Any, got: Any) -> bool:
    """Exact for ints and Decimals (type included), tolerant only where a float is expected."""
    if expected is None or got is None:
        return expected is None and got is None
    if isinstance(expected, float):
        return same_float(expected, got)
    if isinstance(got, bool | float):
        return False
    if isinstance(expected, Decimal):
        return isinstance(got, Decimal | int) and Decimal(got) == expected
    return isinstance(got, int) and got == expected


def differences(reference: dict[Key, Entry], engine: dict[Key, Entry]) -> list[str]:
    """Human-readable differences; empty when the engine agrees with the reference."""
    missing = sorted(set(reference) - set(engine))
    extra = sorted(set(engine) - set(reference))
    lines: list[str] = []
    lines += _key_block("missing from the engine", missing)
    lines += _key_block("published by the engine only", extra)
    by_kpi: dict[str, list[str]] = defaultdict(list)
    for key in sorted(set(reference) & set(engine)):
        for what, ok, exp, got in _fields(reference[key], engine[key]):
            if not ok:
                by_kpi[key[0]].append(f"    {key[1:]} {what}: reference {exp!r}, engine {got!r}")
    for kpi, rows in sorted(by_kpi.items()):
        lines.append(f"{kpi}: {len(rows)} differing field(s)")
        lines += rows[:SHOWN] + ([f"    ... {len(rows) - SHOWN} more"] if len(rows) > SHOWN else [])
    return lines


def _fields(ref: Entry, got: Entry) -> list[tuple[str, bool, Any, Any]]:
    return [
        ("value", same_float(ref[0], got[0]), ref[0], got[0]),
        ("numerator", same_number(ref[1], got[1]), ref[1], got[1]),
        ("denominator", same_number(ref[2], got[2]), ref[2], got[2]),
    ]


def _key_block(title: str, keys: list[Key]) -> list[str]:
    if not keys:
        return []
    per_kpi = Counter(f"{k[0]} on {k[1]} [{k[3]}]" for k in keys)
    lines = [f"{len(keys)} series {title}:"]
    lines += [f"    {name}: {count}" for name, count in sorted(per_kpi.items())]
    lines += [f"    e.g. {key}" for key in keys[:SHOWN]]
    return lines
