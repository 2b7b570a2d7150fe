"""How active anomalies bend the simulation, asked at the moment each decision is made.

The engine never branches on anomaly kinds itself: it asks "what is this rep's win
probability at this moment?" and gets the normal answer unless an anomaly covers it.
Every question takes the same random draws either way, so switching an anomaly on
changes only what it is meant to change.
"""

from __future__ import annotations

from datetime import datetime

from salespulse.simulate import anomalies as a
from salespulse.simulate.anomalies import Anomaly
from salespulse.simulate.company import COMPANY_KEY
from salespulse.simulate.config import AnomalyKind


class Effects:
    """Answers the engine's questions given the active anomalies."""

    def __init__(self, active: list[Anomaly]) -> None:
        self._by_kind = {anomaly.kind: anomaly for anomaly in active}

    def _hits(self, kind: AnomalyKind, key: str, moment: datetime) -> bool:
        anomaly = self._by_kind.get(kind)
        return anomaly is not None and anomaly.key == key and anomaly.covers(moment)

    def win_probability(self, rep: str, closed_at: datetime, normal: float) -> float:
        if self._hits(AnomalyKind.WIN_RATE_COLLAPSE, rep, closed_at):
            return a.COLLAPSED_WIN_RATE
        return normal

    def churn_factor(self, region: str, moment: datetime) -> float:
        return a.CHURN_MULTIPLIER if self._hits(AnomalyKind.CHURN_SPIKE, region, moment) else 1.0

    def spend_factor(self, campaign: str, moment: datetime) -> float:
        hit = self._hits(AnomalyKind.SPEND_WITHOUT_LEADS, campaign, moment)
        return a.SPEND_MULTIPLIER if hit else 1.0

    def opportunity_dropped(self, team: str, opened_at: datetime, draw: float) -> bool:
        """Whether a would-be opportunity is never opened; ``draw`` is uniform in [0, 1)."""
        hit = self._hits(AnomalyKind.PIPELINE_DROP, team, opened_at)
        hit = hit or self._hits(AnomalyKind.PIPELINE_DROP, COMPANY_KEY, opened_at)
        return hit and draw < a.PIPELINE_DROP_SHARE

    def cycle_stalls(self, rep: str, normal_close: datetime, stalled_close: datetime) -> bool:
        """Whether a deal takes ``CYCLE_MULTIPLIER`` times its cycle.

        It does when either close falls in the window. Then every deal the rep wins
        inside the window has a doubled cycle (none closes there at normal pace), which
        makes the label exact; deals due in the window slip past it, so the KPI stays
        raised for a while after the window, as a backlog would.
        """
        kind = AnomalyKind.CYCLE_LENGTHENING
        return self._hits(kind, rep, normal_close) or self._hits(kind, rep, stalled_close)

    def revenue_factor(self, team: str | None, moment: datetime) -> float:
        if team is None:
            return 1.0
        hit = self._hits(AnomalyKind.REVENUE_BEHIND_PLAN, team, moment)
        return a.REVENUE_FACTOR if hit else 1.0
