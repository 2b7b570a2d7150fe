"""The per-series, per-day cell: additive counters that every KPI is derived from.

Cells hold sums, never ratios, so any window is a sum of days, any ratio keeps its
numerator and denominator, and two cells of one day merge by addition.

Money is held as an integer count of ten-thousandths (``units``): events carry at most
four decimal places, so the sums stay exact. A ``Decimal`` field was 104 bytes where a
small int is 28, money fields were 43 % of a cell's memory, and ``Decimal`` additions
were the slowest part of ``DayCell.add``. ``money`` turns units back into a ``Decimal``
where a KPI is computed: values are those ``Decimal`` sums gave, numerators equal
them (printed without trailing zeros).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, fields
from decimal import Decimal

#: ten-thousandths per unit of currency: the precision events are validated to
SCALE = 10_000


def units(amount: Decimal) -> int:
    """``amount`` in ten-thousandths; exact for the four decimal places events may carry."""
    return int(amount.scaleb(4))


def money(count: int) -> Decimal:
    """Ten-thousandths back to an amount, without trailing zeros (``1500``, ``99.9``)."""
    whole, rest = divmod(count, SCALE)
    if not rest:
        return Decimal(whole)
    return Decimal(count).scaleb(-4).normalize()


_COUNTS = (
    "leads",
    "leads_qualified",
    "leads_converted",
    "opps_created",
    "won",
    "lost",
    "open_delta_count",
    "orders",
    "upsell_orders",
    "cross_sell_orders",
    "acquired",
    "churned",
)
_MONEY = (
    "opps_created_value",
    "won_value",
    "open_delta_value",
    "order_revenue",
    "costed_revenue",
    "cost",
    "upsell_revenue",
    "cross_sell_revenue",
    "cancelled_revenue",
    "churned_mrr",
    "spend",
)
#: the counters a packed day keeps (``salespulse.kpis.days``), in its row's order
PACKED = _COUNTS + _MONEY
#: the first ``PACKED_COUNTS`` of them count things; the rest are money
PACKED_COUNTS = len(_COUNTS)


@dataclass(slots=True)
class DayCell:
    leads: int = 0
    leads_qualified: int = 0
    leads_converted: int = 0
    opps_created: int = 0
    won: int = 0
    lost: int = 0
    open_delta_count: int = 0
    orders: int = 0
    upsell_orders: int = 0
    cross_sell_orders: int = 0
    acquired: int = 0
    churned: int = 0
    # money, in ten-thousandths (``units``)
    opps_created_value: int = 0
    won_value: int = 0
    open_delta_value: int = 0
    order_revenue: int = 0
    costed_revenue: int = 0
    cost: int = 0
    upsell_revenue: int = 0
    cross_sell_revenue: int = 0
    cancelled_revenue: int = 0
    churned_mrr: int = 0
    spend: int = 0
    #: distinct paying customers; set on a window's sum only (``Payers`` counts them)
    payers: int = 0
    # Samples and per-stage sums exist on the few cells that have them: an empty list
    # and two empty dicts on every cell were 180 of its bytes, and a float in a list
    # costs 32 bytes where an array holds it in 8. The stages are a tuple of names and
    # one array of (days, count) pairs: two dicts of float and int objects were 640
    # bytes on a cell with stages, the pair array about a third of that (measured).
    # Counts are exact in a double up to 2**53.
    cycle_days: array[float] | None = None
    stage_names: tuple[str, ...] | None = None
    stage_sums: array[float] | None = None

    @property
    def revenue(self) -> int:
        """Net of cancellations, in ten-thousandths."""
        return self.order_revenue - self.cancelled_revenue

    def add(self, other: DayCell) -> None:
        """Add ``other`` into this cell (used to aggregate a window).

        Spelled out field by field: a getattr/setattr loop made window sums the
        hottest code of KPI publishing (measured 3x slower).
        """
        self.leads += other.leads
        self.leads_qualified += other.leads_qualified
        self.leads_converted += other.leads_converted
        self.opps_created += other.opps_created
        self.won += other.won
        self.lost += other.lost
        self.open_delta_count += other.open_delta_count
        self.orders += other.orders
        self.upsell_orders += other.upsell_orders
        self.cross_sell_orders += other.cross_sell_orders
        self.acquired += other.acquired
        self.churned += other.churned
        self.opps_created_value += other.opps_created_value
        self.won_value += other.won_value
        self.open_delta_value += other.open_delta_value
        self.order_revenue += other.order_revenue
        self.costed_revenue += other.costed_revenue
        self.cost += other.cost
        self.upsell_revenue += other.upsell_revenue
        self.cross_sell_revenue += other.cross_sell_revenue
        self.cancelled_revenue += other.cancelled_revenue
        self.churned_mrr += other.churned_mrr
        self.spend += other.spend
        if other.cycle_days:
            if self.cycle_days is None:
                self.cycle_days = array("d", other.cycle_days)
            else:
                self.cycle_days.extend(other.cycle_days)
        if other.stage_names is not None and other.stage_sums is not None:
            sums = other.stage_sums
            for i, stage in enumerate(other.stage_names):
                self.add_stage(stage, sums[2 * i], int(sums[2 * i + 1]))

    def add_cycle(self, days: float) -> None:
        if self.cycle_days is None:
            self.cycle_days = array("d", (days,))
        else:
            self.cycle_days.append(days)

    def add_stage(self, stage: str, days: float, count: int = 1) -> None:
        names, sums = self.stage_names, self.stage_sums
        if names is None or sums is None:
            self.stage_names, self.stage_sums = (stage,), array("d", (days, count))
            return
        try:
            i = 2 * names.index(stage)  # a pipeline has a handful of stages
        except ValueError:
            self.stage_names = (*names, stage)
            sums.extend((days, count))
            return
        sums[i] += days
        sums[i + 1] += count

    def stage(self, stage: str) -> tuple[float, int]:
        """Days spent in ``stage`` by the deals that left it, and how many left it."""
        names, sums = self.stage_names, self.stage_sums
        if names is None or sums is None:
            return 0.0, 0
        try:
            i = 2 * names.index(stage)
        except ValueError:
            return 0.0, 0
        return sums[i], int(sums[i + 1])


assert {f.name for f in fields(DayCell)} == set(_COUNTS + _MONEY) | {
    "payers",
    "cycle_days",
    "stage_names",
    "stage_sums",
}


@dataclass(slots=True)
class SeriesTotals:
    """Running totals since the first event of a series; never evicted."""

    acquired_total: int = 0
    churned_total: int = 0
    open_count: int = 0
    open_value: int = 0  # ten-thousandths
