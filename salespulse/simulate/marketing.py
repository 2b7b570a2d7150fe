"""Daily ``marketing.spend`` per campaign, paced on the campaign's expected lead volume.

Budgets are planned on expected traffic, not on the leads that actually came, so spend
and leads wobble independently; ``spend_without_leads`` then doubles the spend of one
campaign while its leads stay exactly as they were.
"""

from __future__ import annotations

from datetime import date, timedelta

from salespulse.simulate.company import CURRENCY, Campaign
from salespulse.simulate.funnel import expected_leads
from salespulse.simulate.rand import money, noise
from salespulse.simulate.timeline import at_midnight
from salespulse.simulate.world import World

#: Ad platforms keep spending at weekends, when leads are few: spend falls only by half as much.
WEEKEND_PACING = 0.5
SPEND_NOISE = 0.1
#: Daily spend is booked at 23:30 once the platforms have closed the day.
POSTED_AT = timedelta(hours=23, minutes=30)


class MarketingDesk:
    def __init__(self, world: World) -> None:
        self._world = world
        self._rng = world.stream("marketing")

    def day(self, day: date) -> None:
        for campaign in self._world.company.campaigns:
            self._spend(day, campaign)

    def _spend(self, day: date, campaign: Campaign) -> None:
        world = self._world
        sources = [s for s in world.company.sources if s.campaign == campaign.id]
        leads = sum(expected_leads(world, s, day) for s in sources)
        weekday_leads = sum(s.weekday_leads * world.config.scale for s in sources)
        paced = WEEKEND_PACING * weekday_leads + (1 - WEEKEND_PACING) * leads
        moment = at_midnight(day) + POSTED_AT
        amount = paced * campaign.cost_per_lead * noise(self._rng, SPEND_NOISE)
        amount *= world.effects.spend_factor(campaign.id, moment)
        data = {
            "period_start": day,
            "period_end": day,
            "campaign": campaign.id,
            "channel": campaign.channel,
            "amount": money(amount),
            "currency": CURRENCY,
        }
        world.agenda.add(moment, "marketing.spend", data)
