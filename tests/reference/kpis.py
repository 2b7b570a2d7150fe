"""Reference implementation of every KPI of docs/kpis.md, whole-stream and naive on purpose.

The streaming engine (``salespulse.kpis``) keeps incremental state; this module keeps
every daily cell of every series forever and recomputes each window by summing the
cells whose day falls inside it. It is slow and obvious, which is the point: the two
are written independently, so a disagreement is a bug in one of them (or a gap in
the spec). Only the entity registries (which lead/opportunity/customer is known, what
closed, who churned) are built event by event, because the spec defines those in
processing order.

Interpretations of docs/kpis.md where it is silent or ambiguous (numbered as in the
report to the lead; each is a choice, not something the doc states):

 1. Lateness: strict ``time < watermark - grace``; an event exactly at the bound counts.
    A late event changes nothing at all (cells, registries, watermark, targets).
    Event ids are not de-duplicated here (ingest does that before the KPI stage).
 2. Series existence: a (dimension, key) series exists once some event made a
    *contribution* to one of its cells. Events that change nothing create no series:
    a ``lead.qualified`` without all four BANT flags or for an already qualified lead,
    a stage change of an unknown opportunity, a second close, a second acquisition of
    an active customer, a second churn, and ``target.set`` (which is not an event "on"
    a series). A series, once it exists, is published forever (like its running
    totals), even when all its cells are older than the retention. Every KPI whose
    dimension list holds the series' dimension is published for it in every window,
    with value None when its denominator is 0.
 3. Plain sums and counts (``revenue``, ``gross_profit``, ``churned_mrr``,
    ``new_opportunities``, ``new_opportunity_value``, ``open_pipeline_*``, ``leads``,
    ``orders``, ``won``, ``lost``, ``customers_acquired``, ``customers_churned``,
    ``spend``) are published as value = float(sum), numerator = the sum (int or
    Decimal), denominator = None.
 4. The drill-down counts are published on the dimensions of the ratios they drill
    into, for every window: ``leads`` (lead_to_opportunity, lead_conversion: company,
    channel, campaign, region, rep, team); ``orders``, ``won``, ``lost`` (all seven);
    ``customers_acquired`` and ``customers_churned`` (cac ∪ churn_rate: all but
    product); ``spend`` (cac: company, channel, campaign).
 5. Dimension lookups: the *specific* sentences win over the general "add dimensions an
    event does not carry". ``lead.qualified`` of a known lead uses only the lead's
    dimensions (its own ``rep`` is ignored); ``opportunity.stage_changed`` uses only
    the opportunity's (its ``rep`` is ignored, the override is for closing events
    only); won/lost use the opportunity's with the closing ``rep`` replacing it;
    ``customer.churned`` uses the acquisition's with its own region/rep replacing.
    ``customer.acquired`` and ``opportunity.created`` use only their own fields (no
    lookup through ``lead_id``); ``order.cancelled`` only its own (product, rep, region)
    -- so team/channel/campaign revenue is *not* net of cancellations.
 6. The open-pipeline delta of a close (−1, −created amount) goes to the series the
    opportunity was *created* on, not to the closing rep's (won/lost counts do go to the
    closing rep), so a rep's open pipeline is exactly the open opportunities created on
    it. (The literal reading -- the close's series -- would leave the creator's pipeline
    inflated forever and drive the closer's negative.) A close of an unknown opportunity
    has no open delta. A second ``lead.created`` / ``opportunity.created`` of an id
    already created is ignored entirely (like a second close); an ``opportunity.created``
    arriving after a close of that (then unknown) id still counts, and stays open.
 7. ``cycle_days``: the lead is the opportunity's ``lead_id`` (from its
    ``opportunity.created``), looked up when the won is processed; the won's
    ``customer_id`` is not used to find a lead. An unknown opportunity has no cycle
    (so Olist, whose wins have no ``opportunity.created``, has no sales cycle at all).
    Days are ``timedelta.total_seconds() / 86400`` of absolute time.
 8. ``stage_days``: each opportunity remembers when it last entered every stage (its
    created stage at created time, ``to_stage`` at each change), and a change adds
    (time − when it entered ``from_stage``). A change whose ``from_stage`` the
    opportunity never entered (e.g. the change into it was late) contributes nothing,
    but still records ``to_stage``. Changes after a close still count (the opportunity
    is "known"). ``stage_days.<s>`` is published on a series for every stage ``s``
    that series has ever counted, in every window (value None where the window has no
    change out of ``s``).
 9. Customers: a churn of a customer never acquired counts on its own dimensions and
    marks it churned; an acquisition after a churn counts again. An ignored second
    acquisition also converts no lead. ``leads_converted`` needs the lead to be known
    when the acquisition is processed, and counts once per lead id (known or not).
    ``lead.qualified`` likewise counts once per lead id, known or not.
10. Spend spreading: per day = (amount / days) quantized to 0.0001 with ROUND_HALF_EVEN,
    the last day gets amount − per_day × (days − 1). Days after D are kept but lie in
    no window.
11. Composite 30d KPIs publish their two component values as floats:
    ``cac_payback_months`` num = cac(30d), den = gross_profit(30d) / paying(30d); ``ltv``
    num = arpu(30d) × margin_pct(30d), den = churn_rate(30d); ``ltv_net`` num = ltv, den
    = cac(30d), value = num − den; ``ltv_cac`` num = ltv, den = cac(30d). An undefined
    component is 0.0 as numerator (``KpiValue.numerator`` is not Optional) and None as
    denominator; value is None when a component is undefined (or the divisor is 0).
12. ``sales_cycle_days_median``: value = median, numerator = the median (0.0 when there
    is no cycle), denominator = number of cycles. ``sales_cycle_days``: numerator = Σ
    days (float), denominator = count.
13. ``revenue_vs_team``: a rep's team is the team of the latest contribution whose
    (resolved) dimensions carry both that rep and a team; "reps known in the team" =
    number of reps whose latest team is it (over all history, not the window).
    numerator = rep revenue(W) and denominator = team revenue(W) / n, both Decimal
    (money), the division in the default context (28 significant digits). A rep with
    no known team: value and denominator None.
14. ``incremental_sales``: history starts on the local day of the earliest event applied
    (of the whole stream, not of the campaign: a campaign younger than 28 days has a
    baseline of 0, so all its revenue is incremental); the baseline exists when
    ``W.start − 28`` ≥ that day. baseline = len(W) × Σ revenue(W.start−28 …
    W.start−1) / 28 as Decimal, multiplied first (one rounding); numerator =
    revenue(W), denominator = baseline (None without history), value = num − den.
15. Plan: a ``company`` target is published under key ``all`` whatever its scope key;
    ``plan_pace`` denominator = target × elapsed_days / period_days as Decimal,
    multiplied first (one rounding, not target × (elapsed / period)); the actual of a
    count metric is an int. Plan KPIs are published for every target whose period
    contains D even if its scope series has no contribution. Two targets of one
    scope/metric whose labels coincide (two ``period`` targets): the later wins.
16. ``open_pipeline_trend`` denominator = open value now − Σ open_delta_value over days
    > D − 30; numerator and denominator are Decimal. ``open_pipeline_*`` "now" values
    are over every processed event.
17. The revenue of a day is net of cancellations, and may be negative; ratios with a
    negative denominator are computed as they are (only 0 gives None).
"""

from __future__ import annotations

import calendar
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from salespulse.events import SalesEvent

ZERO = Decimal(0)
TICK = Decimal("0.0001")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

Key = tuple[str, str, str, str]
Entry = tuple[float | None, Any, Any]
Dims = dict[str, str]
DayRange = tuple[date, date]

ALL = ("company", "team", "region", "rep", "channel", "campaign", "product")
LEAD_DIMS = ("company", "channel", "campaign", "region", "rep", "team")
NOT_PRODUCT = ("company", "team", "region", "rep", "channel", "campaign")
CAC_DIMS = ("company", "channel", "campaign")
LTV_DIMS = ("company", "region", "channel", "campaign")
STAGE_DIMS = ("company", "team", "rep")
EXPANSION_DIMS = ("company", "rep", "team", "region", "product")

WINDOWS = ("day", "wtd", "7d", "30d", "mtd", "qtd")
BASELINE_DAYS = 28
PLAN_FIELDS = {
    "revenue": "revenue",
    "profit": "gross_profit",
    "orders": "orders",
    "leads": "leads",
    "opportunities": "opps_created",
    "won_deals": "won",
    "new_customers": "acquired",
}


# --- the daily cell --------------------------------------------------------------------


@dataclass
class Cell:
    """Everything one series accumulates on one local day (docs/kpis.md, "Daily cell")."""

    leads: int = 0
    leads_qualified: int = 0
    leads_converted: int = 0
    opps_created: int = 0
    opps_created_value: Decimal = ZERO
    won: int = 0
    won_value: Decimal = ZERO
    lost: int = 0
    open_delta_count: int = 0
    open_delta_value: Decimal = ZERO
    cycle_days: list[float] = field(default_factory=list)
    stage_days: dict[str, float] = field(default_factory=dict)
    stage_count: dict[str, int] = field(default_factory=dict)
    orders: int = 0
    order_revenue: Decimal = ZERO
    costed_revenue: Decimal = ZERO
    cost: Decimal = ZERO
    upsell_orders: int = 0
    upsell_revenue: Decimal = ZERO
    cross_sell_orders: int = 0
    cross_sell_revenue: Decimal = ZERO
    cancelled_revenue: Decimal = ZERO
    paying: set[str] = field(default_factory=set)
    acquired: int = 0
    churned: int = 0
    churned_mrr: Decimal = ZERO
    spend: Decimal = ZERO

    @property
    def revenue(self) -> Decimal:
        return self.order_revenue - self.cancelled_revenue

    @property
    def gross_profit(self) -> Decimal:
        return self.costed_revenue - self.cost


SCALAR_FIELDS = tuple(
    name
    for name in Cell.__dataclass_fields__
    if name not in ("cycle_days", "stage_days", "stage_count", "paying")
)


def total(cells: Iterable[Cell]) -> Cell:
    """The sum of ``cells`` as one cell: scalars added, lists joined, sets united."""
    out = Cell()
    for cell in cells:
        for name in SCALAR_FIELDS:
            setattr(out, name, getattr(out, name) + getattr(cell, name))
        out.cycle_days.extend(cell.cycle_days)
        out.paying |= cell.paying
        for stage, days in cell.stage_days.items():
            out.stage_days[stage] = out.stage_days.get(stage, 0.0) + days
        for stage, count in cell.stage_count.items():
            out.stage_count[stage] = out.stage_count.get(stage, 0) + count
    return out


# --- entity registries -----------------------------------------------------------------


@dataclass
class Lead:
    dims: Dims
    time: datetime
    day: date


@dataclass
class Opportunity:
    dims: Dims
    amount: Decimal
    time: datetime
    lead_id: str | None
    entered: dict[str, datetime]
    open: bool = True


@dataclass
class Customer:
    dims: Dims
    active: bool


@dataclass
class State:
    """All that the stream has built: cells per series, registries, targets, watermark."""

    zone: ZoneInfo
    series: dict[tuple[str, str], dict[date, Cell]] = field(default_factory=dict)
    leads: dict[str, Lead] = field(default_factory=dict)
    qualified: set[str] = field(default_factory=set)
    converted: set[str] = field(default_factory=set)
    opportunities: dict[str, Opportunity] = field(default_factory=dict)
    closed: set[str] = field(default_factory=set)
    customers: dict[str, Customer] = field(default_factory=dict)
    rep_team: dict[str, str] = field(default_factory=dict)
    targets: dict[tuple[str, str, str, date, date], Decimal] = field(default_factory=dict)
    watermark: datetime | None = None
    first_day: date | None = None
    late: int = 0

    def day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def cell(self, dims: Dims, day: date) -> Iterator[Cell]:
        """The cells of ``day`` on every series of ``dims`` (created on first touch)."""
        rep, team = dims.get("rep"), dims.get("team")
        if rep is not None and team is not None:
            self.rep_team[rep] = team
        for dimension, key in dims.items():
            yield self.series.setdefault((dimension, key), {}).setdefault(day, Cell())


def own(data: Any, *fields: str) -> Dims:
    """``company``/``all`` plus each listed dimension field the payload actually carries."""
    dims = {"company": "all"}
    for name in fields:
        value = getattr(data, name, None)
        if value is not None:
            dims[name] = str(value)
    return dims


def days_between(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 86400


# --- one handler per event type ---------------------------------------------------------


def on_lead_created(state: State, event: Any) -> None:
    data = event.data
    if data.lead_id in state.leads:
        return
    dims = own(data, "channel", "campaign", "region", "rep", "team")
    day = state.day(event.time)
    state.leads[data.lead_id] = Lead(dims, event.time, day)
    for cell in state.cell(dims, day):
        cell.leads += 1


def on_lead_qualified(state: State, event: Any) -> None:
    data = event.data
    if not data.qualified or data.lead_id in state.qualified:
        return
    state.qualified.add(data.lead_id)
    lead = state.leads.get(data.lead_id)
    dims = lead.dims if lead is not None else own(data, "rep")
    for cell in state.cell(dims, state.day(event.time)):
        cell.leads_qualified += 1


def on_opportunity_created(state: State, event: Any) -> None:
    data = event.data
    if data.opportunity_id in state.opportunities:
        return
    dims = own(data, "rep", "team", "region", "product", "channel", "campaign")
    entered = {data.stage: event.time}
    state.opportunities[data.opportunity_id] = Opportunity(
        dims, data.amount, event.time, data.lead_id, entered
    )
    for cell in state.cell(dims, state.day(event.time)):
        cell.opps_created += 1
        cell.opps_created_value += data.amount
        cell.open_delta_count += 1
        cell.open_delta_value += data.amount


def on_stage_changed(state: State, event: Any) -> None:
    data = event.data
    opp = state.opportunities.get(data.opportunity_id)
    if opp is None:
        return
    since = opp.entered.get(data.from_stage)
    opp.entered[data.to_stage] = event.time
    if since is None:
        return
    days = days_between(event.time, since)
    for cell in state.cell(opp.dims, state.day(event.time)):
        cell.stage_days[data.from_stage] = cell.stage_days.get(data.from_stage, 0.0) + days
        cell.stage_count[data.from_stage] = cell.stage_count.get(data.from_stage, 0) + 1


def close_dims(state: State, data: Any) -> Dims:
    """The opportunity's dimensions with the closing rep, or the close's own when unknown."""
    opp = state.opportunities.get(data.opportunity_id)
    if opp is None:
        return own(data, "rep")
    return {**opp.dims, "rep": data.rep}


def cycle_of(state: State, opportunity_id: str, won_at: datetime) -> float | None:
    opp = state.opportunities.get(opportunity_id)
    if opp is None:
        return None
    lead = state.leads.get(opp.lead_id) if opp.lead_id is not None else None
    start = lead.time if lead is not None else opp.time
    return days_between(won_at, start)


def on_close(state: State, event: Any) -> None:
    data = event.data
    if data.opportunity_id in state.closed:
        return
    state.closed.add(data.opportunity_id)
    dims = close_dims(state, data)
    opp = state.opportunities.get(data.opportunity_id)
    closes_open = opp is not None and opp.open
    if opp is not None:
        opp.open = False
    won = event.type == "opportunity.won"
    cycle = cycle_of(state, data.opportunity_id, event.time) if won else None
    day = state.day(event.time)
    for cell in state.cell(dims, day):
        if won:
            cell.won += 1
            cell.won_value += data.amount
            if cycle is not None:
                cell.cycle_days.append(cycle)
        else:
            cell.lost += 1
    if closes_open and opp is not None:
        for cell in state.cell(opp.dims, day):
            cell.open_delta_count -= 1
            cell.open_delta_value -= opp.amount


def on_order_placed(state: State, event: Any) -> None:
    data = event.data
    dims = own(data, "rep", "team", "region", "channel", "campaign", "product")
    kind = str(data.kind)
    for cell in state.cell(dims, state.day(event.time)):
        cell.orders += 1
        cell.order_revenue += data.amount
        cell.paying.add(data.customer_id)
        if data.cost is not None:
            cell.costed_revenue += data.amount
            cell.cost += data.cost
        if kind == "upsell":
            cell.upsell_orders += 1
            cell.upsell_revenue += data.amount
        elif kind == "cross_sell":
            cell.cross_sell_orders += 1
            cell.cross_sell_revenue += data.amount


def on_order_cancelled(state: State, event: Any) -> None:
    data = event.data
    for cell in state.cell(own(data, "product", "rep", "region"), state.day(event.time)):
        cell.cancelled_revenue += data.amount


def on_customer_acquired(state: State, event: Any) -> None:
    data = event.data
    known = state.customers.get(data.customer_id)
    if known is not None and known.active:
        return
    dims = own(data, "channel", "campaign", "region", "rep", "team")
    state.customers[data.customer_id] = Customer(dims, active=True)
    for cell in state.cell(dims, state.day(event.time)):
        cell.acquired += 1
    lead = state.leads.get(data.lead_id) if data.lead_id is not None else None
    if lead is not None and data.lead_id not in state.converted:
        state.converted.add(data.lead_id)
        for cell in state.cell(lead.dims, lead.day):
            cell.leads_converted += 1


def on_customer_churned(state: State, event: Any) -> None:
    data = event.data
    known = state.customers.get(data.customer_id)
    if known is not None and not known.active:
        return
    dims = {**(known.dims if known is not None else {}), **own(data, "region", "rep")}
    state.customers[data.customer_id] = Customer(dims, active=False)
    for cell in state.cell(dims, state.day(event.time)):
        cell.churned += 1
        cell.churned_mrr += data.lost_mrr


def spread(amount: Decimal, first: date, last: date) -> list[tuple[date, Decimal]]:
    """Equal 4-decimal shares per day, the rounding remainder on the last day."""
    days = (last - first).days + 1
    share = (amount / days).quantize(TICK, rounding=ROUND_HALF_EVEN)
    out = [(first + timedelta(days=i), share) for i in range(days - 1)]
    out.append((last, amount - share * (days - 1)))
    return out


def on_marketing_spend(state: State, event: Any) -> None:
    data = event.data
    dims = own(data, "campaign", "channel")
    for day, share in spread(data.amount, data.period_start, data.period_end):
        for cell in state.cell(dims, day):
            cell.spend += share


def on_target_set(state: State, event: Any) -> None:
    data = event.data
    dimension = str(data.scope.dimension)
    key = "all" if dimension == "company" else data.scope.key
    slot = (dimension, key, str(data.metric), data.period_start, data.period_end)
    state.targets[slot] = data.value


HANDLERS = {
    "lead.created": on_lead_created,
    "lead.qualified": on_lead_qualified,
    "opportunity.created": on_opportunity_created,
    "opportunity.stage_changed": on_stage_changed,
    "opportunity.won": on_close,
    "opportunity.lost": on_close,
    "order.placed": on_order_placed,
    "order.cancelled": on_order_cancelled,
    "customer.acquired": on_customer_acquired,
    "customer.churned": on_customer_churned,
    "marketing.spend": on_marketing_spend,
    "target.set": on_target_set,
}


def replay(events: Iterable[SalesEvent], zone: ZoneInfo, grace_seconds: float) -> State:
    """Apply the events in order; late ones (behind watermark − grace) are only counted."""
    state = State(zone)
    grace = timedelta(seconds=grace_seconds)
    for event in events:
        if state.watermark is not None and event.time < state.watermark - grace:
            state.late += 1
            continue
        if state.watermark is None or event.time > state.watermark:
            state.watermark = event.time
        day = state.day(event.time)
        if state.first_day is None or day < state.first_day:
            state.first_day = day
        HANDLERS[event.type](state, event)
    return state


# --- windows ---------------------------------------------------------------------------


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def quarter_end(start: date) -> date:
    return month_end(date(start.year, start.month + 2, 1))


def window_ranges(d: date, week_start: int) -> dict[str, tuple[DayRange, DayRange]]:
    """Each window and its previous window, straight from the table in docs/kpis.md."""
    one = timedelta(days=1)
    week = d - timedelta(days=(d.weekday() - week_start) % 7)
    month = d.replace(day=1)
    prev_month = (month - one).replace(day=1)
    prev_month_end = prev_month.replace(day=min(d.day, month_end(prev_month).day))
    quarter = quarter_start(d)
    prev_quarter = quarter_start(quarter - one)
    prev_quarter_end = min(prev_quarter + timedelta(days=(d - quarter).days), quarter - one)
    return {
        "day": ((d, d), (d - one, d - one)),
        "wtd": ((week, d), (week - timedelta(days=7), d - timedelta(days=7))),
        "7d": ((d - timedelta(days=6), d), (d - timedelta(days=13), d - timedelta(days=7))),
        "30d": ((d - timedelta(days=29), d), (d - timedelta(days=59), d - timedelta(days=30))),
        "mtd": ((month, d), (prev_month, prev_month_end)),
        "qtd": ((quarter, d), (prev_quarter, prev_quarter_end)),
    }


def in_range(cells: dict[date, Cell], span: DayRange) -> Cell:
    return total(cell for day, cell in cells.items() if span[0] <= day <= span[1])


# --- KPI formulas ----------------------------------------------------------------------


def ratio(num: int | Decimal | float, den: int | Decimal | float) -> Entry:
    return (None if den == 0 else float(num) / float(den), num, den)


def plain(num: int | Decimal) -> Entry:
    return (float(num), num, None)


def growth(num: Decimal, den: Decimal) -> Entry:
    return (None if den == 0 else float(num) / float(den) - 1.0, num, den)


def value_of(entry: Entry) -> float | None:
    return entry[0]


def divide(num: float | None, den: float | None) -> Entry:
    """Ratio of two derived KPIs; an undefined numerator is published as 0.0."""
    if num is None or den is None or den == 0:
        return (None, 0.0 if num is None else num, den)
    return (num / den, num, den)


def median_entry(cycles: list[float]) -> Entry:
    median = statistics.median(cycles) if cycles else None
    return (median, 0.0 if median is None else median, len(cycles))


def churn_entry(cells: dict[date, Cell], span: DayRange, agg: Cell) -> Entry:
    """Σ churned / customers at the start of the window (all history before its first day)."""
    before = total(cell for day, cell in cells.items() if day < span[0])
    return ratio(agg.churned, before.acquired - before.churned)


@dataclass
class SeriesView:
    """One series seen at as-of day D: its cells and the windows around D."""

    dimension: str
    key: str
    cells: dict[date, Cell]
    ranges: dict[str, tuple[DayRange, DayRange]]
    first_day: date

    def __post_init__(self) -> None:
        self.now = in_range(self.cells, (date.min, date.max))
        self.aggs = {w: in_range(self.cells, span) for w, (span, _) in self.ranges.items()}
        self.prevs = {w: in_range(self.cells, prev) for w, (_, prev) in self.ranges.items()}

    def on(self, dims: tuple[str, ...]) -> bool:
        return self.dimension in dims


def window_kpis(view: SeriesView, window: str) -> dict[str, Entry]:
    """Every KPI of one series in one window (filtered by dimension afterwards)."""
    agg, prev = view.aggs[window], view.prevs[window]
    span = view.ranges[window][0]
    out: dict[str, Entry] = {
        "sales_growth": growth(agg.revenue, prev.revenue),
        "cac": ratio(agg.spend, agg.acquired),
        "arpu": ratio(agg.revenue, len(agg.paying)),
        "avg_order_value": ratio(agg.order_revenue, agg.orders),
        "churn_rate": churn_entry(view.cells, span, agg),
        "churned_mrr": plain(agg.churned_mrr),
        "sales_cycle_days": ratio(sum(agg.cycle_days), len(agg.cycle_days)),
        "sales_cycle_days_median": median_entry(agg.cycle_days),
        "lead_to_opportunity": ratio(agg.opps_created, agg.leads),
        "win_rate": ratio(agg.won, agg.won + agg.lost),
        "lead_conversion": ratio(agg.leads_converted, agg.leads),
        "new_opportunities": plain(agg.opps_created),
        "new_opportunity_value": plain(agg.opps_created_value),
        "revenue": plain(agg.revenue),
        "gross_profit": plain(agg.gross_profit),
        "margin_pct": ratio(agg.gross_profit, agg.costed_revenue),
        "upsell_rate": ratio(agg.upsell_orders, agg.orders),
        "cross_sell_rate": ratio(agg.cross_sell_orders, agg.orders),
        "expansion_revenue_share": ratio(
            agg.upsell_revenue + agg.cross_sell_revenue, agg.order_revenue
        ),
        "leads": plain(agg.leads),
        "orders": plain(agg.orders),
        "won": plain(agg.won),
        "lost": plain(agg.lost),
        "customers_acquired": plain(agg.acquired),
        "customers_churned": plain(agg.churned),
        "spend": plain(agg.spend),
        "incremental_sales": incremental(view, span, agg),
    }
    stages = {stage for cell in view.cells.values() for stage in cell.stage_count}
    for stage in sorted(stages):
        days, count = agg.stage_days.get(stage, 0.0), agg.stage_count.get(stage, 0)
        out[f"stage_days.{stage}"] = ratio(days, count)
    return out


def incremental(view: SeriesView, span: DayRange, agg: Cell) -> Entry:
    """Campaign revenue(W) − len(W) × its mean daily revenue over the 28 days before W."""
    start = span[0] - timedelta(days=BASELINE_DAYS)
    if start < view.first_day:
        return (None, agg.revenue, None)
    before = in_range(view.cells, (start, span[0] - timedelta(days=1)))
    length = Decimal((span[1] - span[0]).days + 1)
    baseline = length * before.revenue / Decimal(BASELINE_DAYS)
    return (float(agg.revenue - baseline), agg.revenue, baseline)


KPI_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "sales_growth": ALL,
    "cac": CAC_DIMS,
    "arpu": ALL,
    "avg_order_value": ALL,
    "churn_rate": NOT_PRODUCT,
    "churned_mrr": NOT_PRODUCT,
    "sales_cycle_days": ALL,
    "sales_cycle_days_median": ALL,
    "lead_to_opportunity": LEAD_DIMS,
    "win_rate": ALL,
    "lead_conversion": LEAD_DIMS,
    "new_opportunities": ALL,
    "new_opportunity_value": ALL,
    "revenue": ALL,
    "gross_profit": ALL,
    "margin_pct": ALL,
    "upsell_rate": EXPANSION_DIMS,
    "cross_sell_rate": EXPANSION_DIMS,
    "expansion_revenue_share": EXPANSION_DIMS,
    "leads": LEAD_DIMS,
    "orders": ALL,
    "won": ALL,
    "lost": ALL,
    "customers_acquired": NOT_PRODUCT,
    "customers_churned": NOT_PRODUCT,
    "spend": CAC_DIMS,
    "incremental_sales": ("campaign",),
}


def dimensions_of(kpi: str) -> tuple[str, ...]:
    return STAGE_DIMS if kpi.startswith("stage_days.") else KPI_DIMENSIONS[kpi]


def thirty_day_kpis(view: SeriesView) -> dict[str, Entry]:
    """The composite KPIs that exist only for window ``30d`` (interpretation 11)."""
    agg = view.aggs["30d"]
    cac = value_of(ratio(agg.spend, agg.acquired))
    arpu = value_of(ratio(agg.revenue, len(agg.paying)))
    margin = value_of(ratio(agg.gross_profit, agg.costed_revenue))
    churn = value_of(churn_entry(view.cells, view.ranges["30d"][0], agg))
    profit_per_payer = value_of(ratio(agg.gross_profit, len(agg.paying)))
    ltv_num = None if arpu is None or margin is None else arpu * margin
    ltv = divide(ltv_num, churn)
    net: Entry = (None, 0.0 if ltv[0] is None else ltv[0], cac)
    if ltv[0] is not None and cac is not None:
        net = (ltv[0] - cac, ltv[0], cac)
    out: dict[str, Entry] = {}
    if view.on(CAC_DIMS):
        out["cac_payback_months"] = divide(cac, profit_per_payer)
        out["ltv_net"] = net
        out["ltv_cac"] = divide(ltv[0], cac)
    if view.on(LTV_DIMS):
        out["ltv"] = ltv
    out["open_pipeline_trend"] = growth(view.now.open_delta_value, open_before(view))
    return out


def open_before(view: SeriesView) -> Decimal:
    """Open value at the end of D − 30: now minus the deltas of the days after it."""
    cut = view.ranges["day"][0][0] - timedelta(days=30)
    later = total(cell for day, cell in view.cells.items() if day > cut)
    return view.now.open_delta_value - later.open_delta_value


def series_kpis(view: SeriesView) -> dict[Key, Entry]:
    out: dict[Key, Entry] = {}
    for window in WINDOWS:
        for kpi, entry in window_kpis(view, window).items():
            if view.on(dimensions_of(kpi)):
                out[(kpi, view.dimension, view.key, window)] = entry
    for kpi, entry in thirty_day_kpis(view).items():
        out[(kpi, view.dimension, view.key, "30d")] = entry
    out[("open_pipeline_count", view.dimension, view.key, "now")] = plain(
        view.now.open_delta_count
    )
    out[("open_pipeline_value", view.dimension, view.key, "now")] = plain(
        view.now.open_delta_value
    )
    return out


def revenue_vs_team(
    views: dict[tuple[str, str], SeriesView], rep_team: dict[str, str]
) -> dict[Key, Entry]:
    """Rep revenue over its team's revenue per known rep (interpretation 13)."""
    out: dict[Key, Entry] = {}
    for (dimension, rep), view in views.items():
        if dimension != "rep":
            continue
        team = rep_team.get(rep)
        for window in WINDOWS:
            num = view.aggs[window].revenue
            if team is None:
                out[("revenue_vs_team", "rep", rep, window)] = (None, num, None)
                continue
            members = sum(1 for other in rep_team.values() if other == team)
            team_view = views.get(("team", team))
            team_revenue = team_view.aggs[window].revenue if team_view is not None else ZERO
            out[("revenue_vs_team", "rep", rep, window)] = ratio(
                num, team_revenue / Decimal(members)
            )
    return out


def plan_label(start: date, end: date) -> str:
    if start.day == 1 and end == month_end(start):
        return "mtd"
    if start == quarter_start(start) and end == quarter_end(start):
        return "qtd"
    return "period"


def plan_actual(cells: dict[date, Cell], name: str, start: date, d: date) -> int | Decimal:
    agg = in_range(cells, (start, d))
    value: int | Decimal = getattr(agg, name)
    return value


def plan_kpis(state: State, d: date) -> dict[Key, Entry]:
    out: dict[Key, Entry] = {}
    for (dimension, key, metric, start, end), target in state.targets.items():
        if not start <= d <= end:
            continue
        cells = state.series.get((dimension, key), {})
        actual = plan_actual(cells, PLAN_FIELDS[metric], start, d)
        label = plan_label(start, end)
        suffix = "" if metric == "revenue" else f".{metric}"
        elapsed, length = (d - start).days + 1, (end - start).days + 1
        paced = target * Decimal(elapsed) / Decimal(length)
        out[(f"plan_attainment{suffix}", dimension, key, label)] = ratio(actual, target)
        out[(f"plan_pace{suffix}", dimension, key, label)] = ratio(actual, paced)
    return out


# --- entry points ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceResult:
    values: dict[Key, Entry]
    as_of: date | None
    late: int


def compute(
    events: Iterable[SalesEvent],
    *,
    timezone: str = "Europe/Minsk",
    week_start: str = "monday",
    grace_seconds: float = 21600,
    as_of: date | None = None,
) -> ReferenceResult:
    """Replay ``events`` and evaluate every KPI at ``as_of`` (default: the watermark's day)."""
    zone = ZoneInfo(timezone)
    state = replay(events, zone, grace_seconds)
    if state.watermark is None:
        return ReferenceResult({}, as_of, state.late)
    d = as_of if as_of is not None else state.day(state.watermark)
    ranges = window_ranges(d, WEEKDAYS.index(week_start))
    first = state.first_day if state.first_day is not None else d
    views = {
        (dimension, key): SeriesView(dimension, key, cells, ranges, first)
        for (dimension, key), cells in state.series.items()
    }
    values: dict[Key, Entry] = {}
    for view in views.values():
        values.update(series_kpis(view))
    values.update(revenue_vs_team(views, state.rep_team))
    values.update(plan_kpis(state, d))
    return ReferenceResult(values, d, state.late)


def reference_kpis(
    events: list[SalesEvent],
    *,
    timezone: str = "Europe/Minsk",
    week_start: str = "monday",
    grace_seconds: float = 21600,
    as_of: date | None = None,
) -> dict[Key, Entry]:
    """``(kpi, dimension, key, window) -> (value, numerator, denominator)`` at ``as_of``."""
    result = compute(
        events, timezone=timezone, week_start=week_start, grace_seconds=grace_seconds,
        as_of=as_of,
    )
    return result.values
