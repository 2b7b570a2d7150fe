"""Default ensembles per kind of KPI (counts, money, ratio) and the profile of each KPI id.

Defaults, one point per local day:

- ``counts`` and ``money``: ``SeasonalBaseline`` (weekday median ± 4 robust sigmas,
  8 weeks) + ``ForecastBand`` (additive Holt-Winters, weekly season, ± 4 error sigmas)
  + ``LevelShift`` (Page-Hinkley in noise sigmas), policy ``vote``: two members agree,
  or seasonal/forecast alone with a score ≥ 0.8 (about 9 sigmas); the level shift only
  confirms. Counts get ``min_spread=1`` and ``min_scale=1``: a sparse count (mostly 0)
  must move by more than a handful of events to fire.
- ``ratio``: ``BetaRatio`` on numerator/denominator (fires alone at score ≥ 0.75, i.e.
  twice its own bar on log-odds, effect and whole events: its bar alone is a 1 % false
  alarm per point, too many over thousands of series) + ``SeasonalBaseline`` on the
  value (fires alone at score ≥ 0.8); both vote together otherwise. A point without
  counts (``BetaRatio`` stays quiet) falls back to the seasonal member alone, at its own
  bar (k = 4).

Every profile stays quiet for its first 14 points with a value (cold start).
"""

from __future__ import annotations

from typing import Literal

from detectors.base import Detector
from detectors.changepoint import LevelShift
from detectors.ensemble import Ensemble
from detectors.forecast import ForecastBand
from detectors.ratio import BetaRatio
from detectors.seasonal import SeasonalBaseline

__all__ = ["PROFILE_OF_KPI", "Profile", "build", "profile_of"]

Profile = Literal["counts", "money", "ratio"]
STRONG = 0.8  # score at which one value member may fire alone
RATIO_SOLO = 0.75  # score at which BetaRatio may fire alone: twice its own bar
COLD_START = 14  # points with a value before any verdict: two weeks of daily data

_COUNTS = tuple(
    (
        "leads orders won lost customers_acquired customers_churned new_opportunities "
        "open_pipeline_count"
    ).split()
)
_MONEY = tuple(
    (
        "revenue gross_profit new_opportunity_value open_pipeline_value churned_mrr spend cac "
        "arpu avg_order_value ltv ltv_net incremental_sales"
    ).split()
)
_RATIO = tuple(
    ("win_rate lead_conversion churn_rate lead_to_opportunity upsell_rate cross_sell_rate").split()
)
# Ratio means successes / trials (counts): BetaRatio's test needs exactly that. Value-only
# KPIs are judged like money: growth, plan, days, scores, and ratios of money amounts
# (margin_pct, expansion_revenue_share) whose parts are not successes / trials.
_CONTINUOUS = tuple(
    (
        "sales_growth plan_attainment plan_pace cac_payback_months ltv_cac sales_cycle_days "
        "sales_cycle_days_median open_pipeline_trend opportunity_score revenue_vs_team "
        "stage_days margin_pct expansion_revenue_share"
    ).split()
)

PROFILE_OF_KPI: dict[str, Profile] = {
    **{kpi: "counts" for kpi in _COUNTS},
    **{kpi: "money" for kpi in _MONEY + _CONTINUOUS},
    **{kpi: "ratio" for kpi in _RATIO},
}


def profile_of(kpi: str) -> Profile:
    """The profile of a KPI id; ``stage_days.<s>`` and ``plan_*.<metric>`` by their stem."""
    stem = kpi.split(".", 1)[0]
    return PROFILE_OF_KPI.get(kpi) or PROFILE_OF_KPI.get(stem, "money")


def build(profile: Profile) -> Ensemble:
    """A fresh ensemble with the documented defaults of ``profile``."""
    if profile == "ratio":
        return Ensemble(
            {"beta_ratio": BetaRatio("beta_ratio"), "seasonal": SeasonalBaseline()},
            solo={"beta_ratio": RATIO_SOLO, "seasonal": STRONG},
            warmup=COLD_START,
            counts_only={"beta_ratio"},
            name="ratio",
        )
    if profile not in ("counts", "money"):
        raise ValueError(f"profile must be 'counts', 'money' or 'ratio', got {profile!r}")
    floor = 1.0 if profile == "counts" else 1e-6
    members: dict[str, Detector] = {
        "seasonal": SeasonalBaseline(min_spread=floor),
        "forecast_band": ForecastBand(min_scale=floor),
        "level_shift": LevelShift(min_scale=floor),
    }
    solo = {"seasonal": STRONG, "forecast_band": STRONG}
    return Ensemble(members, solo=solo, warmup=COLD_START, name=profile)
