"""Where and when anomalies strike, how strong they are, and their ground-truth labels.

Targets and windows for *all* kinds are drawn from one seeded stream whether or not a
kind is requested, so a kind's label depends only on the seed: ``--anomalies all`` and
``--anomalies churn_spike`` put the churn spike on the same region in the same window.
Windows sit in the later part of the period so detectors have a baseline to learn first.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from salespulse.simulate.company import COMPANY_KEY, Company
from salespulse.simulate.config import AnomalyKind, SimulationConfig
from salespulse.simulate.timeline import at_midnight

#: Inside the window the target rep wins this share of closed opportunities.
COLLAPSED_WIN_RATE = 0.05
CHURN_MULTIPLIER = 4.0
SPEND_MULTIPLIER = 2.0
#: Share of would-be opportunities that are never opened during a pipeline drop.
PIPELINE_DROP_SHARE = 0.8
CYCLE_MULTIPLIER = 2.0
#: Revenue factor of the target team: 40% below what the plan expected.
REVENUE_FACTOR = 0.6

_KPI = {
    AnomalyKind.WIN_RATE_COLLAPSE: ("opportunity_win_ratio", "rep"),
    AnomalyKind.CHURN_SPIKE: ("churn_rate", "region"),
    AnomalyKind.SPEND_WITHOUT_LEADS: ("cac", "campaign"),
    AnomalyKind.PIPELINE_DROP: ("open_pipeline_value", "team"),
    AnomalyKind.CYCLE_LENGTHENING: ("sales_cycle_days", "rep"),
    AnomalyKind.REVENUE_BEHIND_PLAN: ("plan_attainment", "team"),
}


@dataclass(frozen=True, slots=True)
class Anomaly:
    """One injected anomaly: the KPI it moves, for which key, during [start, end)."""

    kind: AnomalyKind
    kpi: str
    dimension: str
    key: str
    start: datetime
    end: datetime

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def label(self) -> dict[str, str]:
        return {
            "kind": self.kind.value,
            "kpi": self.kpi,
            "dimension": self.dimension,
            "key": self.key,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


def plan_anomalies(config: SimulationConfig, company: Company) -> list[Anomaly]:
    """The requested anomalies, in catalogue order, each with its seeded target and window."""
    rng = random.Random(f"anomalies-{config.seed}")
    keys = _targets(rng, company)
    windows = {kind: _window(rng, config.start, config.days) for kind in AnomalyKind}
    return [
        _anomaly(kind, keys[kind], windows[kind])
        for kind in AnomalyKind
        if kind in config.anomalies
    ]


def _targets(rng: random.Random, company: Company) -> dict[AnomalyKind, str]:
    """One key per kind; two rep kinds (and two team kinds) never share a target."""
    reps = rng.sample([rep.id for rep in company.reps], 2)
    teams = rng.sample(list(company.teams), 2)
    company_wide = rng.random() < 0.5
    return {
        AnomalyKind.WIN_RATE_COLLAPSE: reps[0],
        AnomalyKind.CHURN_SPIKE: rng.choice([r.id for r in company.regions]),
        AnomalyKind.SPEND_WITHOUT_LEADS: rng.choice([c.id for c in company.campaigns]),
        AnomalyKind.PIPELINE_DROP: COMPANY_KEY if company_wide else teams[1],
        AnomalyKind.CYCLE_LENGTHENING: reps[1],
        AnomalyKind.REVENUE_BEHIND_PLAN: teams[0],
    }


def _anomaly(kind: AnomalyKind, key: str, window: tuple[datetime, datetime]) -> Anomaly:
    kpi, dimension = _KPI[kind]
    if key == COMPANY_KEY:
        dimension = "company"
    return Anomaly(kind, kpi, dimension, key, *window)


def _window(rng: random.Random, start: date, days: int) -> tuple[datetime, datetime]:
    """Whole days starting 55-70% into the period, lasting a fifth of it (3 to 21 days)."""
    first = min(days - 1, max(1, int(days * rng.uniform(0.55, 0.70))))
    length = min(21, max(3, round(days * 0.2)))
    last = min(days, first + length)
    return at_midnight(start + timedelta(days=first)), at_midnight(start + timedelta(days=last))


def write_labels(path: Path, anomalies: list[Anomaly]) -> None:
    """The ground truth a detector evaluation reads: a JSON list of label objects."""
    text = json.dumps([a.label() for a in anomalies], indent=2)
    path.write_text(text + "\n", encoding="utf-8")
