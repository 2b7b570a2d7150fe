"""Shared simulated runs (each is a few seconds, so they are built once per session)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import pytest

from salespulse.events import SalesEvent
from salespulse.simulate import Anomaly, AnomalyKind, SimulationConfig, simulate

START = date(2026, 1, 1)
#: 60 days at half volume: big enough for stable ratios, small enough to stay quick.
SIXTY = SimulationConfig(seed=7, days=60, start=START, scale=0.5)


@dataclass
class Run:
    """A materialised simulation with the joins the assertions need."""

    config: SimulationConfig
    events: list[SalesEvent]
    labels: list[Anomaly]
    lead_times: dict[str, datetime] = field(default_factory=dict)
    opp_leads: dict[str, str] = field(default_factory=dict)
    opp_rep: dict[str, str] = field(default_factory=dict)
    opp_team: dict[str, str] = field(default_factory=dict)
    opp_amount: dict[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for e in self.events:
            if e.type == "lead.created":
                self.lead_times[e.data.lead_id] = e.time
            elif e.type == "opportunity.created":
                d = e.data
                self.opp_rep[d.opportunity_id] = d.rep
                self.opp_team[d.opportunity_id] = d.team
                self.opp_amount[d.opportunity_id] = d.amount
                if d.lead_id:
                    self.opp_leads[d.opportunity_id] = d.lead_id

    def __repr__(self) -> str:
        return f"Run({self.config}, {len(self.events)} events)"

    @property
    def start(self) -> date:
        return self.config.start

    def of(self, *types: str) -> list[SalesEvent]:
        return [e for e in self.events if e.type in types]

    def in_period(self, *types: str) -> list[SalesEvent]:
        return [e for e in self.of(*types) if e.time.date() >= self.start]

    def label(self, kind: AnomalyKind) -> Anomaly:
        return next(a for a in self.labels if a.kind is kind)

    def cycle_days(self, won: SalesEvent) -> float | None:
        """Days from the lead to the win, when the lead was published."""
        lead = self.opp_leads.get(won.data.opportunity_id)
        if lead is None or lead not in self.lead_times:
            return None
        return (won.time - self.lead_times[lead]).total_seconds() / 86400

    def daily(self, events: list[SalesEvent]) -> dict[date, int]:
        counts: dict[date, int] = defaultdict(int)
        for e in events:
            counts[e.time.date()] += 1
        return counts


def run(config: SimulationConfig) -> Run:
    result = simulate(config)
    return Run(config, list(result.events), result.labels)


@pytest.fixture(scope="session")
def materialise() -> Callable[[SimulationConfig], Run]:
    """Run any configuration to a ``Run`` (test modules cannot import conftest)."""
    return run


@pytest.fixture(scope="session")
def clean() -> Run:
    """60 days without anomalies."""
    return run(SIXTY)


@pytest.fixture(scope="session")
def anomalous() -> Run:
    """The same 60 days with every anomaly injected."""
    return run(SimulationConfig(seed=7, days=60, start=START, scale=0.5,
                                anomalies=tuple(AnomalyKind)))
