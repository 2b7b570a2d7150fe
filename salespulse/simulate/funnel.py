"""Inbound leads: how many arrive per source each day, from where, and to which rep.

Volume follows the office week (weekends far quieter), a slow growth trend and daily
noise; each lead is routed to a rep based in the lead's region and handed to the
pipeline, which decides the rest of its story.
"""

from __future__ import annotations

from datetime import date

from salespulse.simulate.company import LeadSource
from salespulse.simulate.deals import Lead, Pipeline
from salespulse.simulate.rand import Picker, below, noise, poisson
from salespulse.simulate.timeline import demand_factor, lead_moment
from salespulse.simulate.world import World

#: Month-on-month growth of inbound demand.
MONTHLY_GROWTH = 0.015
#: Day-to-day spread of a source's volume around its expectation.
DAILY_NOISE = 0.15


def expected_leads(world: World, source: LeadSource, day: date) -> float:
    """Mean lead count of ``source`` on ``day``, before daily noise."""
    months = (day - world.first_day).days / 30.4
    growth = (1 + MONTHLY_GROWTH) ** months
    return source.weekday_leads * world.config.scale * demand_factor(day) * growth


class LeadDesk:
    def __init__(self, world: World, pipeline: Pipeline) -> None:
        self._world, self._pipeline = world, pipeline
        self._rng = world.stream("leads")
        regions = world.company.regions
        self._region = Picker([r.id for r in regions], [r.lead_share for r in regions])

    def day(self, day: date) -> None:
        """Create the day's leads for every source."""
        for source in self._world.company.sources:
            mean = expected_leads(self._world, source, day) * noise(self._rng, DAILY_NOISE)
            for _ in range(poisson(self._rng, mean)):
                self._lead(day, source)

    def opportunities_only(self, day: date) -> None:
        """Early warm-up days: only the leads that will become opportunities.

        Nothing else from those days is ever published, and thinning the Poisson count
        by the opportunity share draws exactly as many opportunities on average, at a
        quarter of the cost. (The last days before the period run in full, because
        their leads are still being qualified when the period starts.)
        """
        for source in self._world.company.sources:
            mean = expected_leads(self._world, source, day) * noise(self._rng, DAILY_NOISE)
            for _ in range(poisson(self._rng, mean * self._pipeline.opportunity_share(source))):
                self._pipeline.open_directly(self._new_lead(day, source))

    def _new_lead(self, day: date, source: LeadSource) -> Lead:
        rng = self._rng
        region = self._region(rng)
        reps = self._world.company.routing[region]
        rep = reps[below(rng, len(reps))]
        return Lead(self._world.ids.next("lead"), lead_moment(day, rng), source, region, rep)

    def _lead(self, day: date, source: LeadSource) -> None:
        world = self._world
        lead = self._new_lead(day, source)
        rep, region = lead.rep, lead.region
        data = {
            "lead_id": lead.id,
            "channel": source.channel,
            "campaign": source.campaign,
            "region": region,
            "rep": rep.id,
            "team": rep.team,
        }
        world.agenda.add(lead.created, "lead.created", data)
        world.ledger.add_lead(day, rep.team)
        self._pipeline.follow(lead)
