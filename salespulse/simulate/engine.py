"""``simulate``: run the company month by month and stream its events in time order.

Each month is generated in full before any of its events is released, because the
month's plan (``target.set`` at its first midnight) is derived from what the month
will bring. Only the agenda of pending events is held in memory, never the whole
stream, so a simulated year costs about as much memory as a simulated month.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from salespulse.events import SalesEvent
from salespulse.simulate.accounts import AccountDesk
from salespulse.simulate.anomalies import Anomaly, plan_anomalies
from salespulse.simulate.company import build_company
from salespulse.simulate.config import SimulationConfig
from salespulse.simulate.customers import CustomerBook, opening_customers
from salespulse.simulate.deals import Pipeline
from salespulse.simulate.effects import Effects
from salespulse.simulate.funnel import LeadDesk
from salespulse.simulate.marketing import MarketingDesk
from salespulse.simulate.orders import OrderDesk
from salespulse.simulate.prologue import Prologue
from salespulse.simulate.schedule import Agenda
from salespulse.simulate.targets import PlanLedger, months
from salespulse.simulate.timeline import at_midnight, month_end, next_month
from salespulse.simulate.world import EntityIds, World

#: Length of the unpublished warm-up: long enough for almost every deal to close.
WARM_UP = timedelta(days=70)
#: The warm-up's last days run in full: their leads are still being qualified at start.
DETAILED_WARM_UP = timedelta(days=10)
#: The opening snapshot is announced just before the period starts.
SNAPSHOT_LEAD = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """A lazy, time-ordered event stream and the ground truth of injected anomalies."""

    events: Iterator[SalesEvent]
    labels: list[Anomaly]


def simulate(config: SimulationConfig) -> SimulationResult:
    """Simulate ``config.days`` of the company; events are generated as they are consumed.

    The stream opens with a snapshot of the business at ``config.start`` (see
    ``prologue``), stamped one minute before it; everything else lies in the period.
    """
    world, prologue = _world(config)
    return SimulationResult(_run(world, prologue), list(world.anomalies))


def _world(config: SimulationConfig) -> tuple[World, Prologue]:
    company = build_company(config.seed)
    anomalies = plan_anomalies(config, company)
    last = config.start + timedelta(days=config.days - 1)
    prologue = Prologue()
    agenda = Agenda(config.seed, at_midnight(config.start), prologue.take)
    ledger = PlanLedger(company, random.Random(f"plans-{config.seed}"), config.start, last)
    world = World(config, company, anomalies, Effects(anomalies), agenda, ledger, EntityIds())
    return world, prologue


def _run(world: World, prologue: Prologue) -> Iterator[SalesEvent]:
    book = CustomerBook()
    desk = OrderDesk(world)
    leads = LeadDesk(world, Pipeline(world, desk, book))
    accounts = AccountDesk(world, book, desk)
    desks = (leads, MarketingDesk(world), accounts)
    _warm_up(world, book, (leads, accounts), prologue)
    end = at_midnight(world.last_day + timedelta(days=1))
    for month in months(world.first_day, world.last_day):
        for day in _days(max(month, world.first_day), min(month_end(month), world.last_day)):
            for desk_ in desks:
                desk_.day(day)
        world.ledger.set_targets(month, world.agenda)
        yield from world.agenda.release(min(at_midnight(next_month(month)), end))


def _warm_up(
    world: World, book: CustomerBook, desks: tuple[LeadDesk, AccountDesk], prologue: Prologue
) -> None:
    """Run the business silently before the period, then queue the opening snapshot.

    Marketing is skipped (its spend would never be published) and early days make
    only the leads that turn into opportunities, the only ones still open at start.
    """
    leads, accounts = desks
    warm_start = world.first_day - WARM_UP
    _open_book(world, book, prologue, warm_start)
    detailed_from = world.first_day - DETAILED_WARM_UP
    for day in _days(warm_start, world.first_day - timedelta(days=1)):
        if day < detailed_from:
            leads.opportunities_only(day)
        else:
            leads.day(day)
        accounts.day(day)
    prologue.announce(world.agenda, at_midnight(world.first_day) - SNAPSHOT_LEAD)


def _open_book(world: World, book: CustomerBook, prologue: Prologue, since: date) -> None:
    """The customers the company already had when the warm-up began."""
    rng = world.stream("opening-book")
    count = world.config.opening_book
    for customer in opening_customers(world.company, rng, count, since, world.ids):
        book.add(customer)
        prologue.add_customer(customer)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
