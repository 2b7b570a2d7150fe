"""Peer outlier: a rep (or region) far outside its peers on one KPI in one window.

Not a per-series detector: it is called with every peer's value at once (e.g. each
rep's 30-day win rate) and answers a verdict per key, from the robust z-score
``0.6745·(x - median) / MAD`` of the key against the *other* peers (leave-one-out by
default, so an outlier does not pull its own reference). The MAD is floored at
``min_mad`` and ``rel_mad·|median|`` so identical peers do not turn noise into alerts.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Hashable, Mapping
from typing import TypeVar

from detectors.base import Direction, Verdict, quiet

__all__ = ["PeerOutlier"]

_MAD_TO_SIGMA = 1.4826  # sigma of a normal sample from its median absolute deviation

PeerValue = float | tuple[float, float]
K = TypeVar("K", bound=Hashable)


class PeerOutlier:
    """Flag keys whose value is more than ``k`` robust sigmas from their peers' median.

    Parameters
    ----------
    min_peers
        Fewest eligible peers (the key included) for anything to fire.
    k
        Threshold on the robust z-score.
    min_denominator
        Keys given as ``(value, denominator)`` with a smaller denominator are skipped
        (e.g. a win rate over 2 deals) and do not count as peers.
    leave_one_out
        Judge each key against the others only.
    min_mad, rel_mad
        Absolute and relative (to the median) floors of the MAD. With a handful of
        peers the MAD of a few clustered values is tiny and unstable; the 10% floor
        keeps a rep at 0.35 among peers at 0.26-0.27 quiet.

    Examples
    --------
    >>> import random
    >>> rng = random.Random(1)
    >>> rates = {f"rep{i}": (rng.uniform(0.25, 0.35), 40) for i in range(8)}
    >>> rates["rep8"] = (0.05, 40)
    >>> rates["rep9"] = (0.0, 1)
    >>> verdicts = PeerOutlier().judge(rates)
    >>> sorted(key for key, v in verdicts.items() if v.is_anomaly)
    ['rep8']
    >>> verdicts["rep8"].direction, verdicts["rep9"].reason
    ('drop', 'denominator below 5')
    """

    name = "peer_outlier"

    def __init__(
        self,
        min_peers: int = 4,
        k: float = 3.5,
        min_denominator: float = 5.0,
        leave_one_out: bool = True,
        min_mad: float = 1e-9,
        rel_mad: float = 0.1,
    ) -> None:
        if min_peers < 3:
            raise ValueError(f"min_peers must be >= 3, got {min_peers}")
        if k <= 0:
            raise ValueError(f"k must be > 0, got {k}")
        if min_denominator < 0 or min_mad <= 0 or rel_mad < 0:
            raise ValueError("min_denominator and rel_mad must be >= 0, min_mad > 0")
        self.min_peers, self.k = min_peers, k
        self.min_denominator, self.leave_one_out = min_denominator, leave_one_out
        self.min_mad, self.rel_mad = min_mad, rel_mad

    def judge(self, values: Mapping[K, PeerValue]) -> dict[K, Verdict]:
        """One verdict per key of ``values``: ``{key: value}`` or ``{key: (value, denom)}``."""
        verdicts: dict[K, Verdict] = {}
        eligible: dict[K, float] = {}
        for key, given in values.items():
            value, denominator = given if isinstance(given, tuple) else (given, None)
            if value is None or not math.isfinite(value):
                verdicts[key] = quiet("missing value")
            elif denominator is not None and denominator < self.min_denominator:
                verdicts[key] = quiet(f"denominator below {self.min_denominator:g}")
            else:
                eligible[key] = float(value)
        if len(eligible) < self.min_peers:
            few = quiet(f"fewer than {self.min_peers} peers")
            return verdicts | {key: few for key in eligible}
        everyone = list(eligible.values())
        for key, value in eligible.items():
            others = everyone
            if self.leave_one_out:
                others = [v for other, v in eligible.items() if other != key]
            verdicts[key] = self._verdict(value, others)
        return verdicts

    __call__ = judge

    def _verdict(self, value: float, peers: list[float]) -> Verdict:
        median = statistics.median(peers)
        mad = statistics.median(abs(v - median) for v in peers)
        sigma = _MAD_TO_SIGMA * max(mad, self.min_mad, self.rel_mad * abs(median))
        z = abs(value - median) / sigma
        low, high = median - self.k * sigma, median + self.k * sigma
        if z <= self.k:
            return Verdict(z * z / (z * z + self.k**2), False, median, low, high)
        direction: Direction = "spike" if value > median else "drop"
        reason = f"{z:.1f} robust sigmas from the median of {len(peers)} peers"
        return Verdict(z * z / (z * z + self.k**2), True, median, low, high, direction, reason)
