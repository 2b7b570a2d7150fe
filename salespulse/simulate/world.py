"""The shared state of one run: structure, agenda, plan ledger, ids and seeded streams.

Each part of the simulation gets its own ``random.Random``, derived from the seed and
the part's name. Parts therefore never shift each other's draws: more wins (and so
more customers) do not change tomorrow's leads, which is what lets a test compare the
same seed with and without an anomaly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from salespulse.simulate.anomalies import Anomaly
from salespulse.simulate.company import Company
from salespulse.simulate.config import SimulationConfig
from salespulse.simulate.effects import Effects
from salespulse.simulate.schedule import Agenda
from salespulse.simulate.targets import PlanLedger


@dataclass(slots=True)
class EntityIds:
    """Sequential business ids (``lead-17``, ``opp-3``...), stable for a seed."""

    counts: dict[str, int] = field(default_factory=dict)

    def next(self, prefix: str) -> str:
        n = self.counts.get(prefix, 0) + 1
        self.counts[prefix] = n
        return f"{prefix}-{n}"


@dataclass(slots=True)
class World:
    config: SimulationConfig
    company: Company
    anomalies: list[Anomaly]
    effects: Effects
    agenda: Agenda
    ledger: PlanLedger
    ids: EntityIds

    @property
    def first_day(self) -> date:
        return self.config.start

    @property
    def last_day(self) -> date:
        return self.config.start + timedelta(days=self.config.days - 1)

    def stream(self, part: str) -> random.Random:
        """The random stream of one part of the simulation."""
        return random.Random(f"{part}-{self.config.seed}")
