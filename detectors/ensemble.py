"""Ensemble policy: several detectors on one series, combined into one verdict per point.

Why the default policy (``vote``) is what it is: each member sees a different side of a
series (seasonal median, one-step forecast, level shift), and each alone misfires on
its own blind spot (a holiday week, a trend the forecast lags, a noise burst). A point
fires when ``min_votes`` members fire together, which is how a real step shows up
(seasonal and forecast both leave their bands on its first day), or when one member
listed in ``solo`` fires with a score at or above its own bar: strong evidence needs no
second opinion (a revenue day at 10 % of normal). ``LevelShift`` scores 1 whenever it
fires, so its score says nothing about strength: profiles leave it out of ``solo`` and
it only confirms. ``BetaRatio`` already demands confidence, effect size and a whole
event, so the ratio profile lets it fire alone once its evidence is twice that bar.

Protection and adaptation stay with the members (each keeps an anomalous point out of
learning unless ``accept_after`` anomalies in a row confirm a new level); the ensemble
updates every member exactly once per point whatever it decides.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Literal

from detectors.base import Detector, Direction, Point, Verdict, quiet

__all__ = ["Ensemble", "Policy"]

Policy = Literal["any", "vote", "max"]


class Ensemble:
    """Update every member once per point and combine their verdicts.

    Policies: ``any`` fires when a member fires; ``vote`` (default) when at least
    ``min_votes`` members fire, or one member of ``solo`` fires with a score at or above
    its bar (``solo`` maps member name → bar; by default every member, at ``strong``);
    ``max`` when the highest-scoring member fires with a score at or above ``strong``.
    Members named in ``counts_only`` judge only points with a numerator and a positive
    denominator; on any other point they do not vote, and ``vote`` needs at most
    as many votes as there are members left (the value-only fallback of a ratio).

    ``score`` is the highest member score, so it ranks points even when the policy does
    not fire (then it may be ≥ 0.5 with ``is_anomaly`` False). ``expected``/``low``/
    ``high`` and ``direction`` come from the fired member with the highest score, else
    ``expected`` and the band from the first member that has an expected value.
    ``reason`` names every member that fired with its reason. Nothing fires during the
    first ``warmup`` points with a value (cold start), though members still learn.

    >>> from datetime import datetime, timedelta
    >>> from detectors.seasonal import SeasonalBaseline
    >>> from detectors.changepoint import LevelShift
    >>> ens = Ensemble({"seasonal": SeasonalBaseline(), "level_shift": LevelShift()})
    >>> start = datetime(2024, 1, 1)
    >>> for day in range(28):
    ...     _ = ens.update(Point(start + timedelta(days=day), 100.0 + day % 3))
    >>> verdict = ens.update(Point(start + timedelta(days=28), 5.0))
    >>> verdict.is_anomaly, verdict.direction, verdict.reason.split(":")[0]
    (True, 'drop', 'seasonal')
    """

    def __init__(
        self,
        members: Mapping[str, Detector],
        policy: Policy = "vote",
        min_votes: int = 2,
        strong: float = 0.8,
        solo: Mapping[str, float] | None = None,
        warmup: int = 0,
        counts_only: Collection[str] = (),
        name: str = "ensemble",
    ) -> None:
        if not members:
            raise ValueError("an ensemble needs at least one member")
        if policy not in ("any", "vote", "max"):
            raise ValueError(f"policy must be 'any', 'vote' or 'max', got {policy!r}")
        if min_votes < 1:
            raise ValueError(f"min_votes must be >= 1, got {min_votes}")
        if not 0.0 <= strong <= 1.0:
            raise ValueError(f"strong must be in [0, 1], got {strong}")
        solo = {key: strong for key in members} if solo is None else dict(solo)
        unknown = sorted((set(solo) | set(counts_only)) - set(members))
        if unknown:
            raise ValueError(f"solo or counts_only name unknown members: {', '.join(unknown)}")
        if warmup < 0:
            raise ValueError(f"warmup must be >= 0, got {warmup}")
        if not name:
            raise ValueError("name must be a non-empty string")
        self.members, self.policy, self.min_votes = dict(members), policy, min_votes
        self.strong, self.solo, self.warmup, self.name = strong, solo, warmup, name
        self.counts_only = frozenset(counts_only)
        self.seen = 0  # points with a finite value, for the cold start

    def update(self, point: Point) -> Verdict:
        """Update every member with ``point``, then combine what they said of it."""
        verdicts = {key: member.update(point) for key, member in self.members.items()}
        if point.value is not None and math.isfinite(point.value):
            self.seen += 1
        if self.seen <= self.warmup:
            return quiet("warm-up", _first_expected(verdicts))
        has_counts = point.numerator is not None and (point.denominator or 0.0) > 0
        voters = len(self.members) - (0 if has_counts else len(self.counts_only))
        return self._combine(verdicts, max(1, min(self.min_votes, voters)))

    def _fires(self, fired: dict[str, Verdict], top: str | None, votes: int) -> bool:
        if not fired or top is None:
            return False
        if self.policy == "any":
            return True
        if self.policy == "max":
            return top in fired and fired[top].score >= self.strong
        strong = any(v.score >= self.solo[key] for key, v in fired.items() if key in self.solo)
        return len(fired) >= votes or strong

    def _combine(self, verdicts: dict[str, Verdict], votes: int) -> Verdict:
        fired = {key: v for key, v in verdicts.items() if v.is_anomaly}
        top = max(verdicts, key=lambda key: verdicts[key].score, default=None)
        score = verdicts[top].score if top is not None else 0.0
        anomalous = self._fires(fired, top, votes)
        source: Verdict | None = _first_with_expected(verdicts)
        direction: Direction | None = None
        if fired:
            source = fired[max(fired, key=lambda key: fired[key].score)]
            direction = _direction(fired)
        reason = "; ".join(f"{key}: {v.reason or 'fired'}" for key, v in fired.items())
        if fired and not anomalous:
            reason = f"not confirmed ({reason})"
        return Verdict(
            score=score,
            is_anomaly=anomalous,
            expected=source.expected if source else None,
            low=source.low if source else None,
            high=source.high if source else None,
            direction=direction if anomalous else None,
            reason=reason,
        )


def _direction(fired: dict[str, Verdict]) -> Direction | None:
    """The fired members' direction; when they disagree, the highest score's wins."""
    ranked = sorted(fired.values(), key=lambda v: v.score, reverse=True)
    return next((v.direction for v in ranked if v.direction is not None), None)


def _first_with_expected(verdicts: dict[str, Verdict]) -> Verdict | None:
    return next((v for v in verdicts.values() if v.expected is not None), None)


def _first_expected(verdicts: dict[str, Verdict]) -> float | None:
    source = _first_with_expected(verdicts)
    return source.expected if source else None
