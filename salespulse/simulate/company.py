"""The simulated company: regions, teams, reps, channels, campaigns and products.

The structure is fixed (a mid-size Belarusian SaaS seller, money in BYN) so that labels
and dashboards can name real keys; only the reps' talent is drawn from the seed, which
gives each seed its own top and bottom performers to compare.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

CURRENCY = "BYN"
#: Key of the company-wide scope in ``target.set`` and in labels.
COMPANY_KEY = "company"


@dataclass(frozen=True, slots=True)
class Region:
    id: str
    lead_share: float
    monthly_churn: float


@dataclass(frozen=True, slots=True)
class Rep:
    id: str
    team: str
    region: str
    skill: float
    pace: float


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    channel: str
    cost_per_lead: float


@dataclass(frozen=True, slots=True)
class LeadSource:
    """One stream of inbound leads; ``quality`` scales the chance a lead passes BANT."""

    channel: str
    campaign: str | None
    weekday_leads: float
    quality: float


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    list_price: float
    monthly_price: float
    margin: float
    share: float


@dataclass(frozen=True, slots=True)
class Company:
    regions: tuple[Region, ...]
    reps: tuple[Rep, ...]
    campaigns: tuple[Campaign, ...]
    sources: tuple[LeadSource, ...]
    products: tuple[Product, ...]
    routing: dict[str, tuple[Rep, ...]] = field(compare=False)
    """Region id -> the reps whose home it is: inbound leads are routed to them."""

    @property
    def teams(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(rep.team for rep in self.reps))

    def region(self, region_id: str) -> Region:
        return next(r for r in self.regions if r.id == region_id)


REGIONS = (
    Region("minsk", 0.38, 0.022),
    Region("gomel", 0.14, 0.030),
    Region("brest", 0.13, 0.026),
    Region("vitebsk", 0.12, 0.034),
    Region("grodno", 0.12, 0.028),
    Region("mogilev", 0.11, 0.036),
)

#: (rep id, team, home region); three teams of four.
STAFF = (
    ("a.kovalenko", "team-capital", "minsk"),
    ("d.petrov", "team-capital", "minsk"),
    ("e.sidorova", "team-capital", "minsk"),
    ("m.novik", "team-capital", "minsk"),
    ("i.zhuk", "team-west", "brest"),
    ("o.melnik", "team-west", "brest"),
    ("p.karpovich", "team-west", "grodno"),
    ("s.lis", "team-west", "grodno"),
    ("t.gurinovich", "team-east", "gomel"),
    ("v.bondar", "team-east", "gomel"),
    ("n.kozlova", "team-east", "mogilev"),
    ("y.savchenko", "team-east", "vitebsk"),
)

CAMPAIGNS = (
    Campaign("gs-brand", "paid_search", 45.0),
    Campaign("gs-generic", "paid_search", 105.0),
    Campaign("fb-retarget", "social", 70.0),
    Campaign("li-decision-makers", "social", 240.0),
    Campaign("nl-monthly", "email", 15.0),
    Campaign("expo-minsk", "events", 400.0),
    Campaign("seo-content", "organic_search", 55.0),
    Campaign("partner-program", "referral", 140.0),
)

SOURCES = (
    LeadSource("organic_search", None, 140, 1.0),
    LeadSource("organic_search", "seo-content", 120, 0.95),
    LeadSource("paid_search", "gs-brand", 160, 1.1),
    LeadSource("paid_search", "gs-generic", 180, 0.8),
    LeadSource("social", "fb-retarget", 110, 0.85),
    LeadSource("social", "li-decision-makers", 60, 1.15),
    LeadSource("email", "nl-monthly", 90, 0.9),
    LeadSource("referral", None, 50, 1.3),
    LeadSource("referral", "partner-program", 70, 1.2),
    LeadSource("events", "expo-minsk", 40, 1.1),
)

PRODUCTS = (
    Product("crm-basic", 900.0, 60.0, 0.85, 0.40),
    Product("crm-pro", 2400.0, 150.0, 0.80, 0.32),
    Product("analytics", 1800.0, 110.0, 0.72, 0.18),
    Product("enterprise-suite", 9600.0, 520.0, 0.65, 0.10),
)


def build_company(seed: int) -> Company:
    """The fixed structure, with each rep's win-rate ``skill`` and cycle ``pace`` seeded."""
    rng = random.Random(f"company-{seed}")
    reps = tuple(
        Rep(rep_id, team, region, skill=rng.uniform(0.8, 1.2), pace=rng.uniform(0.85, 1.2))
        for rep_id, team, region in STAFF
    )
    routing = {r.id: tuple(rep for rep in reps if rep.region == r.id) for r in REGIONS}
    return Company(REGIONS, reps, CAMPAIGNS, SOURCES, PRODUCTS, routing)
