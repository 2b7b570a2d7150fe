"""Monthly plans: ``target.set`` per rep, team and company, set at each month's start.

A plan that real revenue could beat or miss needs to be close to what the business
actually does, growth, holidays and month-end pushes included. So the ledger records
the revenue each order *would* have brought without the ``revenue_behind_plan``
anomaly, and the plan is that figure with a few percent of planning error. Other
anomalies (a rep's win rate collapsing, say) are in the plan on purpose: they then
show up in their own KPI and not also as a missed plan, which keeps the labels a
complete list of what a detector should find.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from salespulse.simulate.company import COMPANY_KEY, CURRENCY, Company
from salespulse.simulate.schedule import Agenda
from salespulse.simulate.timeline import at_midnight, days_in_month, month_end, month_start

#: Planning error: plans land between 6% under and 8% over the achievable figure.
PLAN_ERROR = (0.94, 1.08)


class PlanLedger:
    """Counterfactual revenue per rep and leads per team, by month, until the plan is set."""

    def __init__(self, company: Company, rng: random.Random, first: date, last: date) -> None:
        self._company = company
        self._rng = rng
        self._first, self._last = first, last
        self._revenue: defaultdict[tuple[date, str], float] = defaultdict(float)
        self._leads: defaultdict[tuple[date, str], int] = defaultdict(int)

    def add_revenue(self, day: date, rep: str, amount: float) -> None:
        """Count ``amount`` towards ``rep``'s month; days outside the period are not planned."""
        if self._first <= day <= self._last:
            self._revenue[(month_start(day), rep)] += amount

    def add_lead(self, day: date, team: str) -> None:
        if self._first <= day <= self._last:
            self._leads[(month_start(day), team)] += 1

    def set_targets(self, month: date, agenda: Agenda) -> None:
        """Add this month's ``target.set`` events at its first simulated midnight."""
        moment = at_midnight(max(month, self._first))
        for data in self._targets(month):
            agenda.add(moment, "target.set", data)
        for key in [k for k in self._revenue if k[0] == month]:
            del self._revenue[key]
        for key in [k for k in self._leads if k[0] == month]:
            del self._leads[key]

    def _targets(self, month: date) -> list[dict[str, Any]]:
        stretch = self._stretch(month)
        rev = {rep.id: self._revenue[(month, rep.id)] * stretch for rep in self._company.reps}
        leads = {team: self._leads[(month, team)] * stretch for team in self._company.teams}
        found = [self._target(month, "rep", rep, "revenue", value) for rep, value in rev.items()]
        for team in self._company.teams:
            team_revenue = sum(v for r, v in rev.items() if self._team(r) == team)
            found.append(self._target(month, "team", team, "revenue", team_revenue))
            found.append(self._target(month, "team", team, "leads", leads[team]))
        found.append(self._target(month, "company", COMPANY_KEY, "revenue", sum(rev.values())))
        found.append(self._target(month, "company", COMPANY_KEY, "leads", sum(leads.values())))
        return found

    def _stretch(self, month: date) -> float:
        """Scale a partly simulated month up to a whole one."""
        first, last = max(month, self._first), min(month_end(month), self._last)
        simulated = (last - first).days + 1
        return days_in_month(month) / simulated if simulated > 0 else 0.0

    def _team(self, rep_id: str) -> str:
        return next(rep.team for rep in self._company.reps if rep.id == rep_id)

    def _target(
        self, month: date, dimension: str, key: str, metric: str, expected: float
    ) -> dict[str, Any]:
        planned = max(0.0, expected) * self._rng.uniform(*PLAN_ERROR)
        data: dict[str, Any] = {
            "period_start": month,
            "period_end": month_end(month),
            "scope": {"dimension": dimension, "key": key},
            "metric": metric,
        }
        if metric == "revenue":
            data["value"] = Decimal(round(planned, -2)).quantize(Decimal(1))
            data["currency"] = CURRENCY
        else:
            data["value"] = Decimal(round(planned))
        return data


def months(first: date, last: date) -> list[date]:
    """The first day of every month that overlaps [first, last]."""
    found, cursor = [], month_start(first)
    while cursor <= last:
        found.append(cursor)
        cursor = month_end(cursor) + timedelta(days=1)
    return found
