"""The KPI engine: applies events to per-series daily cells, in event time.

Plain Python, no faust or Kafka: the worker, the backtest and the tests all drive
this same object. Each event costs O(1) dict updates on the few series it touches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from salespulse.events import SalesEvent
from salespulse.events import payloads as p
from salespulse.kpis.calendar import local_day
from salespulse.kpis.cells import SCALE, DayCell, SeriesTotals, units
from salespulse.kpis.config import KpiConfig
from salespulse.kpis.days import SeriesDays
from salespulse.kpis.entities import (
    CustomerState,
    DimsCache,
    LeadState,
    OpportunityState,
    Series,
    override,
    series_of,
)
from salespulse.kpis.payers import Payers
from salespulse.kpis.scoring import OpportunityFeatures, OpportunityScorer

_QUANTUM = Decimal("0.0001")
TargetKey = tuple[str, str, str, date, date]


_DEAL_DIMS = DimsCache("team", "region", "rep", "product", "channel", "campaign")
_LEAD_DIMS = DimsCache("channel", "campaign", "region", "rep", "team")
_CANCEL_DIMS = DimsCache("rep", "region", "product")
_SPEND_DIMS = DimsCache("channel", "campaign")
#: ``apply`` asks whether a day has settled (``_pack``) when ``applied & _PACK_EVERY`` is 0
_PACK_EVERY = 1023


def _deal_dims(d: p.OpportunityCreated | p.OrderPlaced) -> tuple[Series, ...]:
    return _DEAL_DIMS(d.team, d.region, d.rep, d.product, d.channel, d.campaign)


class KpiEngine:
    """Event-time KPI state; ``apply`` returns False for a late event (nothing changed)."""

    def __init__(self, config: KpiConfig) -> None:
        self.config = config
        self._zone = config.zone
        self._grace = timedelta(seconds=config.grace_seconds)
        self.watermark: datetime | None = None
        self.first_day: date | None = None
        self.cells: dict[Series, SeriesDays] = {}
        self.totals: dict[Series, SeriesTotals] = {}
        self.payers: dict[Series, Payers] = {}
        self.leads: dict[str, LeadState] = {}
        self.opportunities: dict[str, OpportunityState] = {}
        self.customers: dict[str, CustomerState] = {}
        self.targets: dict[TargetKey, Decimal] = {}
        self.rep_team: dict[str, str] = {}
        self.rep_record: dict[str, list[int]] = {}
        self.stages_seen: dict[Series, set[str]] = {}
        self._qualified_unknown: set[str] = set()
        self.scorer = OpportunityScorer()
        self.series_per_dimension: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()
        self.late = 0
        self.applied = 0
        self.touched: set[Series] = set()
        self._today: date | None = None
        #: bumped when a cell of a day before today changes: sums over days before today
        #: (``closed_spans``, kept by ``salespulse.kpis.compute``) are valid while it holds
        self.past_version: dict[Series, int] = {}
        self.closed_spans: dict[tuple[Series, date, date], tuple[int, DayCell]] = {}
        self._evicted_before: date | None = None
        self._packed_before: date | None = None
        #: no lead is older than this: each new day's eviction scanned every lead
        #: (~120k on the benchmark) to find none before the retention horizon
        self._oldest_lead: date | None = None
        self._handlers: dict[str, Callable[[Any, datetime, date], None]] = {
            "lead.created": self._lead_created,
            "lead.qualified": self._lead_qualified,
            "opportunity.created": self._opportunity_created,
            "opportunity.stage_changed": self._stage_changed,
            "opportunity.won": self._won,
            "opportunity.lost": self._lost,
            "order.placed": self._order_placed,
            "order.cancelled": self._order_cancelled,
            "customer.acquired": self._customer_acquired,
            "customer.churned": self._customer_churned,
            "marketing.spend": self._spend,
            "target.set": self._target_set,
        }

    @property
    def as_of(self) -> date | None:
        """The local day of the watermark (the newest local day of an applied event)."""
        return self._today

    def clock(self) -> dict[str, str | None]:
        """Where event time stands, as reported with every set of KPI values."""
        as_of = self.as_of
        return {
            "as_of": as_of.isoformat() if as_of else None,
            "watermark": self.watermark.isoformat() if self.watermark else None,
        }

    def is_late(self, moment: datetime) -> bool:
        return self.watermark is not None and moment < self.watermark - self._grace

    def apply(self, event: SalesEvent) -> bool:
        moment = event.time
        if self.is_late(moment):
            self.late += 1
            return False
        day = local_day(moment, self._zone)
        new_day = False
        if self.watermark is None or moment > self.watermark:
            self.watermark = moment
            if self._today is None or day > self._today:
                self._today = day  # local_day grows with the moment: this is as_of
                self.closed_spans.clear()  # keyed by yesterday: none is asked for again
                new_day = True
        if self.first_day is None or day < self.first_day:
            self.first_day = day
        self._handlers[event.type](event.data, moment, day)
        self.applied += 1
        if new_day:  # the horizon moves with today only (asked per event: 3 % of the time)
            self._evict(day)
        if new_day or not self.applied & _PACK_EVERY:
            self._pack()
        return True

    def _pack(self) -> None:
        """Pack the days no on-time event lands on any more: before the watermark's day,
        less the grace (``salespulse.kpis.days``).

        Asked on each new day and every ``_PACK_EVERY + 1`` events: yesterday settles
        once the grace has passed, and packed then, a series holds one open day for most
        of the day instead of two (~1.4 KB less at 16 days, measured). Asked on every
        event, the date arithmetic would cost more than the packing. Packing a day late,
        or a day an event unpacks again, changes no value (``SeriesDays``).
        """
        if self.watermark is None:
            return
        settled = local_day(self.watermark - self._grace, self._zone)
        if self._packed_before is not None and settled <= self._packed_before:
            return
        self._packed_before = settled
        for days in self.cells.values():
            if days.open:
                days.pack(settled)

    # ----------------------------------------------------------------- storage
    def _cell(self, series: Series, day: date) -> DayCell | None:
        days = self.cells.get(series)
        if days is None:
            if not self._admit(series):
                return None
            days = self.cells[series] = SeriesDays()
            self.totals[series] = SeriesTotals()
        self._touch(series, day)
        return days.cell(day)

    def _touch(self, series: Series, day: date) -> None:
        self.touched.add(series)
        if self._today is not None and day < self._today:
            self.past_version[series] = self.past_version.get(series, 0) + 1

    def _add(self, dims: tuple[Series, ...], day: date, name: str, amount: int) -> None:
        """Add to one counter of ``day`` in each series: in place when the day is packed
        (``SeriesDays.add_packed``), through its cell otherwise."""
        for series in dims:
            days = self.cells.get(series)
            if days is not None and days.add_packed(day, name, amount):
                self._touch(series, day)
                continue
            cell = self._cell(series, day)
            if cell is not None:
                setattr(cell, name, getattr(cell, name) + amount)

    def _cells(self, dims: tuple[Series, ...], day: date) -> list[DayCell]:
        """``_cell`` for each series, inlined for the series already known (every event)."""
        out: list[DayCell] = []
        cells, touched = self.cells, self.touched
        past = self._today is not None and day < self._today
        for series in dims:
            days = cells.get(series)
            if days is None:
                cell = self._cell(series, day)  # new series: admission and totals
                if cell is not None:
                    out.append(cell)
                continue
            touched.add(series)
            if past:
                self.past_version[series] = self.past_version.get(series, 0) + 1
            cell = days.open.get(day)
            out.append(days.cell(day) if cell is None else cell)
        return out

    def _admit(self, series: Series) -> bool:
        dim = series[0]
        if dim != "company" and self.series_per_dimension[dim] >= (
            self.config.max_series_per_dimension
        ):
            self.dropped[dim] += 1
            return False
        self.series_per_dimension[dim] += 1
        return True

    def _evict(self, today: date | None) -> None:
        if today is None:
            return
        horizon = today - timedelta(days=self.config.retention_days)
        if self._evicted_before is not None and horizon <= self._evicted_before:
            return
        self._evicted_before = horizon
        self.closed_spans.clear()
        for days in self.cells.values():
            days.evict(horizon)
        for payers in self.payers.values():
            payers.evict(horizon.toordinal())
        if self._oldest_lead is not None and self._oldest_lead < horizon:
            for lead_id in [k for k, v in self.leads.items() if v.day < horizon]:
                del self.leads[lead_id]
            self._oldest_lead = min((v.day for v in self.leads.values()), default=None)

    # ---------------------------------------------------------------- handlers
    def _lead_created(self, d: p.LeadCreated, moment: datetime, day: date) -> None:
        if d.lead_id in self.leads:
            return
        dims = _LEAD_DIMS(d.channel, d.campaign, d.region, d.rep, d.team)
        for cell in self._cells(dims, day):
            cell.leads += 1
        self.leads[d.lead_id] = LeadState(moment, day, dims)
        if self._oldest_lead is None or day < self._oldest_lead:
            self._oldest_lead = day
        if d.rep and d.team:
            self._remember_team(d.rep, d.team)

    def _lead_qualified(self, d: p.LeadQualified, moment: datetime, day: date) -> None:
        if not d.qualified:
            return
        lead = self.leads.get(d.lead_id)
        if lead.qualified if lead is not None else d.lead_id in self._qualified_unknown:
            return
        if lead is None:
            self._qualified_unknown.add(d.lead_id)
        dims = lead.dims if lead is not None else series_of(rep=d.rep)
        for cell in self._cells(dims, day):
            cell.leads_qualified += 1
        if lead is not None:
            lead.qualified = True

    def _opportunity_created(self, d: p.OpportunityCreated, moment: datetime, day: date) -> None:
        known = self.opportunities.get(d.opportunity_id)
        if known is not None and known.created is not None:
            return  # created once; a stub left by a close of an unknown id does not count
        dims = _deal_dims(d)
        amount = units(d.amount)
        for cell in self._cells(dims, day):
            cell.opps_created += 1
            cell.opps_created_value += amount
            cell.open_delta_count += 1
            cell.open_delta_value += amount
        self._open(dims, 1, amount)
        self.opportunities[d.opportunity_id] = OpportunityState(
            moment,
            amount,
            d.stage,
            moment,
            dims,
            d.lead_id,
            d.rep,
            d.channel,
            d.product,
            entered={d.stage: moment},
        )
        self._remember_team(d.rep, d.team)

    def _open(self, dims: tuple[Series, ...], count: int, value: int) -> None:
        for series in dims:
            totals = self.totals.get(series)
            if totals is not None:
                totals.open_count += count
                totals.open_value += value

    def _stage_changed(self, d: p.OpportunityStageChanged, moment: datetime, day: date) -> None:
        opp = self.opportunities.get(d.opportunity_id)
        if opp is None or opp.created is None:
            return
        since = opp.entered.get(d.from_stage)
        if since is not None:
            spent = (moment - since).total_seconds() / 86400
            for series in opp.dims:
                cell = self._cell(series, day)
                if cell is None:
                    continue
                cell.add_stage(d.from_stage, spent)
                self.stages_seen.setdefault(series, set()).add(d.from_stage)
        opp.stage, opp.stage_since = d.to_stage, moment
        opp.entered[d.to_stage] = moment

    def _won(self, d: p.OpportunityWon, moment: datetime, day: date) -> None:
        opp = self._close(d.opportunity_id, d.rep, moment, day, won=True)
        if opp is None:
            return
        dims, cycle = opp
        won_amount = units(d.amount)
        for cell in self._cells(dims, day):
            cell.won += 1
            cell.won_value += won_amount
            if cycle is not None:
                cell.add_cycle(cycle)

    def _lost(self, d: p.OpportunityLost, moment: datetime, day: date) -> None:
        opp = self._close(d.opportunity_id, d.rep, moment, day, won=False)
        if opp is not None:
            for cell in self._cells(opp[0], day):
                cell.lost += 1

    def _close(
        self, opp_id: str, rep: str, moment: datetime, day: date, won: bool
    ) -> tuple[tuple[Series, ...], float | None] | None:
        """Close once: the series to count on and the cycle in days; None for a re-close."""
        opp = self.opportunities.get(opp_id)
        if opp is not None and opp.closed:
            return None
        if opp is None:
            self.opportunities[opp_id] = OpportunityState(
                None, 0, "", None, (), None, rep, None, None, closed=True
            )
            self._record(rep, won)
            return series_of(rep=rep), None
        opp.closed = True
        for cell in self._cells(opp.dims, day):
            cell.open_delta_count -= 1
            cell.open_delta_value -= opp.amount
        self._open(opp.dims, -1, -opp.amount)
        self._learn(opp, moment, won)
        self._record(rep, won)
        return override(opp.dims, rep=rep), self._cycle(opp, moment)

    def _cycle(self, opp: OpportunityState, moment: datetime) -> float | None:
        lead = self.leads.get(opp.lead_id) if opp.lead_id else None
        start = lead.created if lead is not None else opp.created
        return None if start is None else (moment - start).total_seconds() / 86400

    def features(self, opp: OpportunityState, moment: datetime) -> OpportunityFeatures:
        wins, losses = self.rep_record.get(opp.rep or "", (0, 0))
        age = (moment - opp.created).total_seconds() / 86400 if opp.created else 0.0
        return OpportunityFeatures(
            stage=opp.stage,
            amount=opp.amount / SCALE,
            age_days=max(age, 0.0),
            channel=opp.channel,
            product=opp.product or "",
            rep_wins=wins,
            rep_losses=losses,
        )

    def _learn(self, opp: OpportunityState, moment: datetime, won: bool) -> None:
        self.scorer.learn(self.features(opp, moment), won)

    def _remember_team(self, rep: str, team: str) -> None:
        """Rep -> team for drill-down and labels, capped like the rep series themselves."""
        if rep in self.rep_team or len(self.rep_team) < self.config.max_series_per_dimension:
            self.rep_team[rep] = team

    def _record(self, rep: str, won: bool) -> None:
        record = self.rep_record.get(rep)
        if record is None:
            if len(self.rep_record) >= self.config.max_series_per_dimension:
                return  # a flood of unknown reps: their record is not kept
            record = self.rep_record[rep] = [0, 0]
        record[0 if won else 1] += 1

    def _order_placed(self, d: p.OrderPlaced, moment: datetime, day: date) -> None:
        dims = _deal_dims(d)
        amount = units(d.amount)
        cost = None if d.cost is None else units(d.cost)
        for cell in self._cells(dims, day):
            cell.orders += 1
            cell.order_revenue += amount
            if cost is not None:
                cell.costed_revenue += amount
                cell.cost += cost
            if d.kind is p.OrderKind.UPSELL:
                cell.upsell_orders += 1
                cell.upsell_revenue += amount
            elif d.kind is p.OrderKind.CROSS_SELL:
                cell.cross_sell_orders += 1
                cell.cross_sell_revenue += amount
        self._paid(dims, d.customer_id, day)
        if d.rep and d.team:
            self._remember_team(d.rep, d.team)

    def _paid(self, dims: tuple[Series, ...], customer: str, day: date) -> None:
        ordinal = day.toordinal()
        cells, payers = self.cells, self.payers
        for series in dims:
            if series not in cells:
                continue  # not admitted (the dimension is at its cap)
            index = payers.get(series)
            if index is None:
                index = payers[series] = Payers(ordinal)
            index.add(customer, ordinal)

    def _order_cancelled(self, d: p.OrderCancelled, moment: datetime, day: date) -> None:
        dims = _CANCEL_DIMS(d.rep, d.region, d.product)
        amount = units(d.amount)
        for cell in self._cells(dims, day):
            cell.cancelled_revenue += amount

    def _customer_acquired(self, d: p.CustomerAcquired, moment: datetime, day: date) -> None:
        known = self.customers.get(d.customer_id)
        if known is not None and known.active:
            return
        dims = _LEAD_DIMS(d.channel, d.campaign, d.region, d.rep, d.team)
        for cell in self._cells(dims, day):
            cell.acquired += 1
        for series in dims:
            if series in self.totals:
                self.totals[series].acquired_total += 1
        self.customers[d.customer_id] = CustomerState(dims)
        if d.rep and d.team:
            self._remember_team(d.rep, d.team)
        lead = self.leads.get(d.lead_id) if d.lead_id else None
        if lead is not None and not lead.converted:
            lead.converted = True
            self._add(lead.dims, lead.day, "leads_converted", 1)

    def _customer_churned(self, d: p.CustomerChurned, moment: datetime, day: date) -> None:
        customer = self.customers.get(d.customer_id)
        if customer is not None and not customer.active:
            return
        base = customer.dims if customer is not None else series_of()
        dims = override(base, region=d.region, rep=d.rep)
        lost_mrr = units(d.lost_mrr)
        for cell in self._cells(dims, day):
            cell.churned += 1
            cell.churned_mrr += lost_mrr
        for series in dims:
            if series in self.totals:
                self.totals[series].churned_total += 1
        if customer is None:
            self.customers[d.customer_id] = CustomerState(dims, active=False)
        else:
            customer.active = False

    def _spend(self, d: p.MarketingSpend, moment: datetime, day: date) -> None:
        dims = _SPEND_DIMS(d.channel, d.campaign)
        n = (d.period_end - d.period_start).days + 1
        total = units(d.amount)
        share = units((d.amount / n).quantize(_QUANTUM, rounding=ROUND_HALF_EVEN))
        for i in range(n):
            amount = share if i < n - 1 else total - share * (n - 1)
            self._add(dims, d.period_start + timedelta(days=i), "spend", amount)

    def _target_set(self, d: p.TargetSet, moment: datetime, day: date) -> None:
        dim = d.scope.dimension.value
        scope = "all" if dim == "company" else d.scope.key  # one company series, key "all"
        key = (dim, scope, d.metric.value, d.period_start, d.period_end)
        self.targets[key] = d.value
