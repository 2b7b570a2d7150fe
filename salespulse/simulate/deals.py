"""A lead's fate: BANT qualification, the opportunity, its stages and how it closes.

The whole path is decided when the lead appears (the agenda releases each step when
the clock reaches it). An opportunity takes the same random draws whatever an anomaly
does to it (``Terms``), so an anomaly changes its target's decisions and nothing else:
every other lead and deal comes out as in a run without it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from salespulse.simulate.anomalies import CYCLE_MULTIPLIER
from salespulse.simulate.company import CURRENCY, LeadSource, Product, Rep
from salespulse.simulate.customers import Customer, CustomerBook, seats
from salespulse.simulate.orders import OrderDesk
from salespulse.simulate.rand import Picker, below, lognormal, money
from salespulse.simulate.timeline import (
    add_business_days,
    at_midnight,
    business_moment,
    closing_days,
    into_office_hours,
    nearest_business_day,
)
from salespulse.simulate.world import World

#: Share of leads a rep gets to assess (the rest go stale without a ``lead.qualified``).
ASSESSED_SHARE = 0.8
#: Share of assessed leads passing all four BANT checks, for a source of quality 1.
ALL_BANT_SHARE = 0.5
#: Share of sales-qualified leads the rep turns into an opportunity.
OPPORTUNITY_SHARE = 0.6
#: Win probability of a rep of skill 1.
BASE_WIN_RATE = 0.30
#: Median days from lead to close, for a rep of pace 1, and the lognormal spread.
CYCLE_MEDIAN_DAYS = 24.0
CYCLE_SIGMA = 0.45
#: Share of deals due in a month's first week that reps pull into the previous month's end.
PULL_IN_SHARE = 0.45
#: Business days per calendar day: cycles are drawn in calendar days, worked in business days.
WORKWEEK = 5 / 7
STAGES = ("discovery", "proposal", "negotiation")
LOST_REASONS = ("price", "competitor", "no_budget", "no_decision", "timing", "product_fit")
LOST_WEIGHTS = (0.28, 0.24, 0.16, 0.14, 0.1, 0.08)
_LOST_REASON = Picker(LOST_REASONS, LOST_WEIGHTS)


@dataclass(slots=True)
class Lead:
    id: str
    created: datetime
    source: LeadSource
    region: str
    rep: Rep


@dataclass(slots=True)
class Terms:
    """The drawn course of one opportunity, used or not (see the module docstring)."""

    opened: datetime
    product: Product
    quantity: int
    negotiated: float
    close: datetime
    propose: datetime
    negotiate: datetime
    drop: float
    win: float
    depth: float
    reason: str
    follow_up: timedelta

    @property
    def list_amount(self) -> float:
        return self.product.list_price * self.quantity


class Pipeline:
    """Qualifies leads and works opportunities to a close."""

    def __init__(self, world: World, desk: OrderDesk, book: CustomerBook) -> None:
        self._world, self._desk, self._book = world, desk, book
        self._rng = world.stream("deals")
        products = world.company.products
        self._product = Picker(products, [p.share for p in products])

    @staticmethod
    def opportunity_share(source: LeadSource) -> float:
        """Expected share of ``source``'s leads that become opportunities."""
        return ASSESSED_SHARE * min(0.95, ALL_BANT_SHARE * source.quality) * OPPORTUNITY_SHARE

    def follow(self, lead: Lead) -> None:
        rng = self._rng
        if rng.random() >= ASSESSED_SHARE:
            return
        qualified_at = self._qualified_at(lead)
        flags = self._bant(lead.source.quality)
        budget, authority, need, timeline = flags
        data = {
            "lead_id": lead.id,
            "budget": budget,
            "authority": authority,
            "need": need,
            "timeline": timeline,
            "rep": lead.rep.id,
        }
        self._world.agenda.add(qualified_at, "lead.qualified", data)
        if all(flags) and rng.random() < OPPORTUNITY_SHARE:
            self._open(lead, qualified_at)

    def open_directly(self, lead: Lead) -> None:
        """Warm-up shortcut for a lead known to become an opportunity (see ``LeadDesk``)."""
        self._open(lead, self._qualified_at(lead))

    def _qualified_at(self, lead: Lead) -> datetime:
        day = add_business_days(lead.created.date(), 1 + below(self._rng, 4))
        return business_moment(day, self._rng)

    def _bant(self, quality: float) -> list[bool]:
        """Four flags, all true for about half the leads; otherwise at least one false."""
        rng = self._rng
        if rng.random() < min(0.95, ALL_BANT_SHARE * quality):
            return [True] * 4
        flags = [rng.random() < 0.6 for _ in range(4)]
        flags[below(rng, 4)] = False
        return flags

    def _open(self, lead: Lead, qualified_at: datetime) -> None:
        terms = self._terms(lead, qualified_at)
        rep, effects = lead.rep, self._world.effects
        if effects.opportunity_dropped(rep.team, terms.opened, terms.drop):
            return
        opp = self._world.ids.next("opp")
        self._created(lead, opp, terms)
        won = terms.win < effects.win_probability(rep.id, terms.close, BASE_WIN_RATE * rep.skill)
        depth = 2 if won else (0 if terms.depth < 0.4 else 1 if terms.depth < 0.75 else 2)
        for step, moment in enumerate((terms.propose, terms.negotiate)[:depth]):
            self._stage(opp, rep.id, moment, step)
        if won:
            self._win(lead, opp, terms)
        else:
            data = {"opportunity_id": opp, "reason": terms.reason, "rep": rep.id}
            self._world.agenda.add(terms.close, "opportunity.lost", data)

    def _terms(self, lead: Lead, qualified_at: datetime) -> Terms:
        """Draw every number the opportunity could need, always in the same order."""
        rng = self._rng
        opened = business_moment(add_business_days(qualified_at.date(), 1 + below(rng, 3)), rng)
        product, quantity = self._product(rng), seats(rng)
        cycle = lognormal(rng, CYCLE_MEDIAN_DAYS, CYCLE_SIGMA) * lead.rep.pace
        negotiated, drop, win = rng.uniform(0.85, 1.0), rng.random(), rng.random()
        close = business_moment(self._close_day(lead, opened, cycle), rng)
        propose = _between(opened, close, rng.uniform(0.2, 0.45), rng)
        negotiate = _between(propose, close, rng.uniform(0.35, 0.7), rng)
        depth, reason = rng.random(), _LOST_REASON(rng)
        follow_up = timedelta(seconds=60 + below(rng, 1740))
        return Terms(
            opened,
            product,
            quantity,
            negotiated,
            close,
            propose,
            negotiate,
            drop,
            win,
            depth,
            reason,
            follow_up,
        )

    def _close_day(self, lead: Lead, opened: datetime, cycle: float) -> date:
        """Lead date plus the cycle; stalled by ``cycle_lengthening`` or pulled into month end."""
        rng, rep = self._rng, lead.rep
        pull, pick_day = rng.random(), below(rng, 3)
        earliest = add_business_days(opened.date(), 2)
        created = lead.created.date()
        normal = max(add_business_days(created, round(cycle * WORKWEEK)), earliest)
        slow = max(add_business_days(created, round(cycle * CYCLE_MULTIPLIER * WORKWEEK)), earliest)
        if self._stalls(rep, normal, slow):
            return slow
        if normal.day <= 7 and pull < PULL_IN_SHARE:
            candidate = closing_days(normal - timedelta(days=normal.day))[pick_day]
            if candidate >= earliest and not self._stalls(rep, candidate, candidate):
                return candidate
        return normal

    def _stalls(self, rep: Rep, normal: date, slow: date) -> bool:
        effects = self._world.effects
        return effects.cycle_stalls(rep.id, at_midnight(normal), at_midnight(slow))

    def _created(self, lead: Lead, opp: str, terms: Terms) -> None:
        rep, source = lead.rep, lead.source
        data = {
            "opportunity_id": opp,
            "lead_id": lead.id,
            "amount": money(terms.list_amount),
            "currency": CURRENCY,
            "stage": STAGES[0],
            "rep": rep.id,
            "team": rep.team,
            "region": lead.region,
            "product": terms.product.id,
            "channel": source.channel,
            "campaign": source.campaign,
        }
        self._world.agenda.add(terms.opened, "opportunity.created", data)

    def _stage(self, opp: str, rep: str, moment: datetime, step: int) -> None:
        data = {
            "opportunity_id": opp,
            "from_stage": STAGES[step],
            "to_stage": STAGES[step + 1],
            "rep": rep,
        }
        self._world.agenda.add(moment, "opportunity.stage_changed", data)

    def _win(self, lead: Lead, opp: str, terms: Terms) -> None:
        """``opportunity.won``, then the new customer and its first order minutes later."""
        world, rep, close, product = self._world, lead.rep, terms.close, terms.product
        customer = Customer(
            world.ids.next("cust"),
            lead.region,
            rep.id,
            rep.team,
            product,
            product.monthly_price * terms.quantity,
            close,
        )
        amount = terms.list_amount * terms.negotiated
        factor = world.effects.revenue_factor(customer.team, close)
        won = {
            "opportunity_id": opp,
            "amount": money(amount * factor),
            "currency": CURRENCY,
            "rep": rep.id,
            "customer_id": customer.id,
        }
        world.agenda.add(close, "opportunity.won", won)
        self._acquired(lead, customer, close + terms.follow_up / 2)
        attribution = {
            "channel": lead.source.channel,
            "campaign": lead.source.campaign,
            "opportunity_id": opp,
        }
        self._desk.place(close + terms.follow_up, customer, "new", product, amount, attribution)

    def _acquired(self, lead: Lead, customer: Customer, moment: datetime) -> None:
        """The new customer, attributed to the lead's channel and campaign."""
        data = {
            "customer_id": customer.id,
            "lead_id": lead.id,
            "channel": lead.source.channel,
            "campaign": lead.source.campaign,
            "region": customer.region,
            "rep": customer.rep,
            "team": customer.team,
        }
        self._world.agenda.add(moment, "customer.acquired", data)
        self._book.add(customer)


def _between(after: datetime, before: datetime, share: float, rng: random.Random) -> datetime:
    """A business-hours moment about ``share`` of the way from ``after`` to ``before``."""
    target = after + (before - after) * share
    moment = business_moment(nearest_business_day(target.date()), rng)
    return moment if after < moment < before else into_office_hours(target, after, before)
