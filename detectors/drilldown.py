"""Which child series explain a parent's move (company -> team / region / channel, team -> rep).

A child's contribution is its own gap to its own expectation, in the parent's units:
``(observed − expected) × weight``, where the weight is the child's denominator for a
ratio or an average (a rep's win rate over 60 deals moves the team's rate more than one
over 6) and 1 for a sum. Its share is that over the parent's gap, so the shares of the
children that moved the parent's way add up to about 1 (more when others moved against).

For a leaf (a rep) the drill-down is its team's: the record of a rep whose win rate
collapsed says how much of the team's change is that rep.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from detectors.record import Contribution

__all__ = ["Judged", "children_of", "contributions"]

#: Dimensions a company-level move is broken down by.
COMPANY_CHILDREN = ("team", "region", "channel")
TOP = 5

SeriesId = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class Judged:
    """One series' value and expectation on the judged day."""

    observed: float
    expected: float
    weight: float

    @property
    def gap(self) -> float:
        return (self.observed - self.expected) * self.weight


def children_of(
    series: SeriesId, judged: Mapping[SeriesId, Judged], rep_team: Mapping[str, str]
) -> list[SeriesId]:
    kpi, dim, key, window = series
    if dim == "company":
        return [s for s in judged if s[0] == kpi and s[3] == window and s[1] in COMPANY_CHILDREN]
    if dim == "team":
        return [
            s
            for s in judged
            if s[0] == kpi and s[3] == window and s[1] == "rep" and rep_team.get(s[2]) == key
        ]
    return []


def contributions(
    series: SeriesId, judged: Mapping[SeriesId, Judged], rep_team: Mapping[str, str]
) -> tuple[Contribution, ...]:
    """The top children by their share of ``series``' gap (its team's, for a rep)."""
    kpi, dim, key, window = series
    parent = series
    if dim == "rep" and key in rep_team:
        parent = (kpi, "team", rep_team[key], window)
    top = judged.get(parent)
    children = children_of(parent, judged, rep_team)
    if top is None or not children:
        return ()
    total = top.gap or sum(abs(judged[c].gap) for c in children) or 1.0
    ranked = sorted(children, key=lambda c: judged[c].gap / total, reverse=True)[:TOP]
    return tuple(
        Contribution(
            dimension=c[1],
            key=c[2],
            observed=judged[c].observed,
            expected=judged[c].expected,
            delta=judged[c].observed - judged[c].expected,
            share=round(judged[c].gap / total, 4),
        )
        for c in ranked
        if judged[c].gap / total > 0
    )
