"""The KPI engine against the independent reference in ``tests/reference/kpis.py``.

``backtest`` is incremental and ``reference_kpis`` recomputes everything from whole
daily cells, so agreement on simulated streams (in order, reordered so that some
events are late, with every anomaly), on the two real datasets and on a hand-made
stream is strong evidence that both follow docs/kpis.md. The hand-made stream's
values are also asserted by hand, so the reference itself is checked, not trusted.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from salespulse.events import SalesEvent, event_from_dict
from salespulse.importers import ImportedRow, import_rows, load_mapping
from salespulse.simulate import SimulationConfig, parse_anomalies, simulate
from tests.reference.compare import differences, engine_values, same_float, same_number
from tests.reference.kpis import Entry, Key, ReferenceResult, compute, spread, window_ranges
from tests.support.data import OLIST_DEALS, OLIST_LEADS, UCI, dataset

# --- running both sides ----------------------------------------------------------------


def run_engine(
    events: list[SalesEvent], **config: Any
) -> tuple[dict[Key, Entry], date | None, int]:
    """The engine's backtest, imported here so the reference checks run without it."""
    from salespulse.kpis import KpiConfig, backtest

    result = backtest(iter(events), KpiConfig(max_series_per_dimension=1_000_000, **config))
    as_of: date | None = result.as_of
    values, problems = engine_values(result.values, as_of)
    if problems:
        pytest.fail("\n".join(problems[:20]), pytrace=False)
    return values, as_of, int(result.late)


def assert_engine_matches(events: list[SalesEvent], **config: Any) -> ReferenceResult:
    """Engine == reference: same as-of day and late count, same series, equal numbers."""
    reference = compute(events, **config)
    engine, as_of, late = run_engine(events, **config)
    assert as_of == reference.as_of, f"as_of: engine {as_of}, reference {reference.as_of}"
    assert late == reference.late, f"late events: engine {late}, reference {reference.late}"
    problems = differences(reference.values, engine)
    if problems:
        summary = f"{len(reference.values)} reference series, {len(engine)} engine series"
        pytest.fail(summary + "\n" + "\n".join(problems), pytrace=False)
    return reference


# --- simulated streams -----------------------------------------------------------------


def simulated(seed: int, days: int, scale: float, anomalies: str | None = None) -> list[Any]:
    config = SimulationConfig(seed=seed, days=days, scale=scale,
                              anomalies=parse_anomalies(anomalies))
    return list(simulate(config).events)


def reordered(events: list[Any], seed: int, share: float = 0.03, most: int = 600) -> list[Any]:
    """Hold back a few events by up to ``most`` positions: some land in grace, some late.

    The simulator emits in time order, so without this no event would ever be late or
    update an earlier day after later days were seen.
    """
    rng = random.Random(seed)
    delays = [rng.randint(1, most) if rng.random() < share else 0 for _ in events]
    order = sorted(range(len(events)), key=lambda i: i + delays[i])
    return [events[i] for i in order]


SIMULATIONS = {
    "seed1-60d": (lambda: simulated(1, 60, 0.3), {}),
    "seed2-45d-scale0.6": (lambda: simulated(2, 45, 0.6), {}),
    "seed3-75d-anomalies": (lambda: simulated(3, 75, 0.3, "all"), {}),
    "seed4-50d-reordered-london-sunday": (
        lambda: reordered(simulated(4, 50, 0.3), seed=4),
        {"timezone": "Europe/London", "week_start": "sunday"},
    ),
}


@pytest.mark.parametrize("name", list(SIMULATIONS))
def test_engine_matches_reference_on_simulated_stream(name: str) -> None:
    make, config = SIMULATIONS[name]
    reference = assert_engine_matches(make(), **config)
    assert len(reference.values) > 1000
    if "reordered" in name:
        assert reference.late > 0, "the reordering should make some events late"


# --- real datasets ---------------------------------------------------------------------



def imported(mapping: str, relative: str) -> list[Any]:
    rows = import_rows(load_mapping(mapping), dataset(relative))
    return [row.event for row in rows if isinstance(row, ImportedRow)]


def by_time(events: Iterable[Any]) -> list[Any]:
    return sorted(events, key=lambda event: event.time)


@pytest.fixture(scope="module")
def uci() -> list[Any]:
    return imported("uci_online_retail", UCI)


@pytest.fixture(scope="module")
def olist() -> list[Any]:
    """Leads and deals merged in time order (two files cannot be replayed side by side)."""
    return by_time(imported("olist_leads", OLIST_LEADS) + imported("olist_deals", OLIST_DEALS))


@pytest.mark.data
def test_engine_matches_reference_on_uci_in_file_order(uci: list[Any]) -> None:
    """File order with the default 6 h grace: the ~270 invoices filed out of time order
    are late for both sides, so lateness is checked on real data too."""
    reference = assert_engine_matches(uci, timezone="Europe/London")
    assert reference.late > 0
    assert reference.as_of == date(2011, 12, 9)


@pytest.mark.data
def test_engine_matches_reference_on_uci_until_mid_year(uci: list[Any]) -> None:
    """A prefix puts D mid-quarter, so mtd/qtd and their clipped previous windows differ."""
    prefix = [event for event in uci if event.time.date() <= date(2011, 5, 31)]
    assert_engine_matches(by_time(prefix), timezone="Europe/London")


@pytest.mark.data
def test_engine_matches_reference_on_olist(olist: list[Any]) -> None:
    reference = assert_engine_matches(olist, timezone="America/Sao_Paulo")
    assert reference.late == 0


@pytest.mark.data
def test_engine_matches_reference_on_olist_while_leads_arrive(olist: list[Any]) -> None:
    """At the end of the leads file the lead-conversion cohorts are inside the windows."""
    prefix = [event for event in olist if event.time.date() <= date(2018, 5, 31)]
    reference = assert_engine_matches(prefix, timezone="America/Sao_Paulo")
    value, converted, leads = reference.values[("lead_conversion", "company", "all", "qtd")]
    assert leads > 0 and converted > 0 and value is not None


# --- a hand-made stream with hand-computed values --------------------------------------

TZ = "+03:00"


def event(n: int, event_type: str, time: str, **data: Any) -> SalesEvent:
    stamp = time if "+" in time[10:] else time + TZ
    return event_from_dict({"id": f"hand-{n}", "type": event_type, "time": stamp,
                            "source": "test",
                            "schema_version": 1, "data": data})


ANNA = {"rep": "anna", "team": "t1", "region": "minsk"}
SPRING = {"channel": "web", "campaign": "spring"}
CRM = {"currency": "BYN", "product": "crm"}


def order(n: int, time: str, oid: str, customer: str, amount: str, kind: str = "new",
          **extra: Any) -> SalesEvent:
    return event(n, "order.placed", time, order_id=oid, customer_id=customer, amount=amount,
                 kind=kind, **CRM, **ANNA, **extra)


def hand_stream() -> list[SalesEvent]:
    """33 events, D = Wed 2026-03-04 (Minsk). Late: S9, L3, L5. Ignored: a second
    qualification, a second close of O1, a second acquisition and a second churn of C1."""
    return [
        event(1, "lead.created", "2026-01-05T09:00:00", lead_id="L0", **SPRING, **ANNA),
        event(2, "customer.acquired", "2026-01-10T10:00:00", customer_id="CA", **ANNA),
        event(3, "customer.acquired", "2026-01-10T10:05:00", customer_id="CB", **ANNA),
        event(4, "opportunity.created", "2026-01-15T10:00:00", opportunity_id="O0",
              amount="2000", stage="discovery", **CRM, **ANNA),
        order(5, "2026-02-01T12:00:00", "S0", "CA", "280", "renewal", cost="80", **SPRING),
        event(6, "lead.created", "2026-02-20T10:00:00", lead_id="L1", **SPRING, **ANNA),
        event(7, "lead.qualified", "2026-02-21T10:00:00", lead_id="L1", budget=True,
              authority=True, need=True, timeline=True),
        event(8, "lead.qualified", "2026-02-21T11:00:00", lead_id="L1", budget=True,
              authority=True, need=True, timeline=True),
        event(9, "opportunity.created", "2026-02-22T12:00:00", opportunity_id="O1",
              lead_id="L1", amount="1000", stage="discovery", **CRM, **ANNA, **SPRING),
        event(10, "opportunity.stage_changed", "2026-02-24T12:00:00", opportunity_id="O1",
              from_stage="discovery", to_stage="proposal"),
        event(11, "target.set", "2026-03-01T00:00:00", scope={"dimension": "company",
              "key": "all"}, metric="revenue", value="3100", currency="BYN",
              period_start="2026-03-01", period_end="2026-03-31"),
        event(12, "opportunity.created", "2026-03-01T10:00:00", opportunity_id="O2",
              amount="500", stage="discovery", **CRM, **ANNA),
        event(13, "lead.created", "2026-03-02T09:00:00", lead_id="L2", **SPRING, **ANNA),
        order(14, "2026-03-03T11:00:00", "S3", "CB", "100", "cross_sell", cost="40"),
        event(15, "opportunity.won", "2026-03-03T12:00:00", opportunity_id="O1",
              amount="1200", currency="BYN", rep="boris"),
        event(16, "opportunity.lost", "2026-03-03T13:00:00", opportunity_id="O1",
              reason="went dark", rep="anna"),
        event(17, "customer.acquired", "2026-03-03T15:00:00", customer_id="C1", lead_id="L1",
              **SPRING, **ANNA),
        event(18, "customer.acquired", "2026-03-03T15:30:00", customer_id="C1", lead_id="L1",
              **SPRING, **ANNA),
        event(19, "marketing.spend", "2026-03-03T23:00:00", amount="100.00", currency="BYN",
              period_start="2026-03-01", period_end="2026-03-03", **SPRING),
        event(20, "marketing.spend", "2026-03-04T02:00:00", amount="10", currency="BYN",
              period_start="2026-02-25", period_end="2026-03-04", **SPRING),
        # 00:30 in Minsk (local day 03-04, UTC day 03-03), 1.5 h behind the watermark
        order(21, "2026-03-03T21:30:00+00:00", "S4", "CA", "70"),
        # 4 h behind the watermark: inside grace, updates the closed day 03-03
        order(22, "2026-03-03T22:00:00", "S5", "CB", "60"),
        order(23, "2026-03-04T10:00:00", "S1", "C1", "300", cost="100", **SPRING),
        order(24, "2026-03-04T11:00:00", "S2", "C1", "200", "upsell"),
        event(25, "order.cancelled", "2026-03-04T12:00:00", order_id="X1", amount="50",
              currency="BYN", original_order_id="S2", product="crm", rep="anna",
              region="minsk"),
        order(26, "2026-03-04T05:00:00", "S9", "CA", "999"),  # 7 h behind: late
        event(27, "lead.created", "2026-03-04T05:30:00", lead_id="L3", **SPRING, **ANNA),  # late
        event(28, "customer.acquired", "2026-03-04T13:00:00", customer_id="C3", lead_id="L3",
              **SPRING, **ANNA),
        event(29, "customer.churned", "2026-03-04T14:00:00", customer_id="C1",
              lost_mrr="99.90", currency="BYN", reason="price"),
        event(30, "customer.churned", "2026-03-04T14:30:00", customer_id="C1",
              lost_mrr="99.90", currency="BYN", reason="price"),
        # exactly watermark (14:30) − 6 h: not late; one second earlier: late
        event(31, "lead.created", "2026-03-04T08:30:00", lead_id="L4", channel="web",
              region="minsk", rep="boris", team="t1"),
        event(32, "lead.created", "2026-03-04T08:29:59", lead_id="L5", channel="web",
              region="minsk", rep="boris", team="t1"),
        event(33, "opportunity.won", "2026-03-04T14:40:00", opportunity_id="O9", amount="10",
              currency="BYN", rep="boris"),
    ]


D = Decimal
COMPANY = ("company", "all")
# (kpi, dimension, key, window) -> (value, numerator, denominator), computed by hand.
HAND_VALUES: dict[Key, Entry] = {
    ("revenue", *COMPANY, "day"): (520.0, D(520), None),  # 70 + 300 + 200 − 50
    ("sales_growth", *COMPANY, "day"): (2.25, D(520), D(160)),  # 03-03: 100 + 60
    ("sales_growth", *COMPANY, "wtd"): (None, D(680), D(0)),  # Mon..Wed; last week's: none
    ("orders", *COMPANY, "day"): (3.0, 3, None),
    ("avg_order_value", *COMPANY, "day"): (190.0, D(570), 3),
    ("arpu", *COMPANY, "day"): (260.0, D(520), 2),  # CA, C1
    ("gross_profit", *COMPANY, "day"): (200.0, D(200), None),
    ("margin_pct", *COMPANY, "day"): (2 / 3, D(200), D(300)),
    ("margin_pct", *COMPANY, "wtd"): (0.65, D(260), D(400)),
    ("upsell_rate", *COMPANY, "day"): (1 / 3, 1, 3),
    ("cross_sell_rate", *COMPANY, "wtd"): (0.2, 1, 5),
    ("expansion_revenue_share", *COMPANY, "wtd"): (300 / 730, D(300), D(730)),
    ("spend", *COMPANY, "day"): (1.25, D("1.25"), None),
    ("spend", *COMPANY, "7d"): (108.75, D("108.75"), None),
    ("spend", *COMPANY, "mtd"): (105.0, D(105), None),
    ("spend", "campaign", "spring", "30d"): (110.0, D(110), None),
    ("cac", *COMPANY, "30d"): (55.0, D(110), 2),  # C1, C3 (C1's second acquisition ignored)
    ("cac", *COMPANY, "day"): (1.25, D("1.25"), 1),
    ("customers_acquired", *COMPANY, "qtd"): (4.0, 4, None),
    ("churn_rate", *COMPANY, "day"): (1 / 3, 1, 3),  # CA, CB, C1 at the start of 03-04
    ("churn_rate", *COMPANY, "30d"): (0.5, 1, 2),  # CA, CB at the start of 02-03
    ("churn_rate", "campaign", "spring", "30d"): (None, 1, 0),  # C1 churns on its campaign
    ("churned_mrr", *COMPANY, "day"): (99.9, D("99.90"), None),
    ("customers_churned", *COMPANY, "30d"): (1.0, 1, None),
    ("won", *COMPANY, "30d"): (2.0, 2, None),  # O1 (once) and the unknown O9
    ("lost", *COMPANY, "30d"): (0.0, 0, None),
    ("win_rate", *COMPANY, "30d"): (1.0, 2, 2),
    ("win_rate", "rep", "boris", "30d"): (1.0, 2, 2),  # the closing rep overrides
    ("sales_cycle_days", *COMPANY, "30d"): (11 + 2 / 24, 11 + 2 / 24, 1),  # from L1's creation
    ("sales_cycle_days", "rep", "boris", "day"): (None, 0.0, 0),  # O9 is unknown: no cycle
    ("sales_cycle_days_median", *COMPANY, "30d"): (11 + 2 / 24, 11 + 2 / 24, 1),
    ("stage_days.discovery", *COMPANY, "30d"): (2.0, 2.0, 1),
    ("stage_days.discovery", "team", "t1", "day"): (None, 0.0, 0),
    ("leads", *COMPANY, "day"): (1.0, 1, None),  # L4 at exactly the bound; L5 late
    ("lead_to_opportunity", *COMPANY, "30d"): (2 / 3, 2, 3),  # O1, O2 / L1, L2, L4
    ("lead_conversion", *COMPANY, "30d"): (1 / 3, 1, 3),  # L1 converted (cohort 02-20)
    ("lead_conversion", *COMPANY, "wtd"): (0.0, 0, 2),  # L2, L4
    ("lead_conversion", *COMPANY, "qtd"): (0.25, 1, 4),  # L0, L1, L2, L4
    ("lead_conversion", "campaign", "spring", "30d"): (0.5, 1, 2),
    ("new_opportunities", *COMPANY, "30d"): (2.0, 2, None),
    ("new_opportunity_value", *COMPANY, "30d"): (1500.0, D(1500), None),
    ("open_pipeline_count", *COMPANY, "now"): (2.0, 2, None),  # O0, O2
    ("open_pipeline_value", *COMPANY, "now"): (2500.0, D(2500), None),
    # boris closed anna's O1: it leaves anna's open pipeline (interpretation 6)
    ("open_pipeline_count", "rep", "anna", "now"): (2.0, 2, None),
    ("open_pipeline_value", "rep", "boris", "now"): (0.0, D(0), None),
    ("open_pipeline_trend", *COMPANY, "30d"): (0.25, D(2500), D(2000)),  # O0 on 02-02
    ("plan_attainment", *COMPANY, "mtd"): (680 / 3100, D(680), D(3100)),
    ("plan_pace", *COMPANY, "mtd"): (1.7, D(680), D(400)),  # 3100 × 4/31
    ("incremental_sales", "campaign", "spring", "day"): (300.0, D(300), D(0)),
    ("incremental_sales", "campaign", "spring", "7d"): (230.0, D(300), D(70)),  # 7 × 280/28
    ("incremental_sales", "campaign", "spring", "30d"): (0.0, D(300), D(300)),
    ("incremental_sales", "campaign", "spring", "mtd"): (260.0, D(300), D(40)),
    ("incremental_sales", "campaign", "spring", "qtd"): (None, D(580), None),  # from 01-05 only
}


@pytest.fixture(scope="module")
def hand() -> ReferenceResult:
    return compute(hand_stream())


def test_hand_stream_as_of_and_late_events(hand: ReferenceResult) -> None:
    assert hand.as_of == date(2026, 3, 4)
    assert hand.late == 3


@pytest.mark.parametrize("key", list(HAND_VALUES), ids=lambda k: "/".join(k))
def test_reference_gives_the_hand_computed_value(hand: ReferenceResult, key: Key) -> None:
    value, num, den = HAND_VALUES[key]
    got = hand.values[key]
    assert same_float(value, got[0]), (value, got)
    assert same_number(num, got[1]) and same_number(den, got[2]), ((num, den), got)


def test_reference_publishes_no_series_for_late_or_ignored_events(hand: ReferenceResult) -> None:
    keys = {(dimension, key) for _, dimension, key, _ in hand.values}
    assert ("rep", "boris") in keys and ("campaign", "spring") in keys
    assert not any(dimension == "product" and key != "crm" for dimension, key in keys)
    assert ("leads", "rep", "anna", "qtd") in hand.values
    assert not any(kpi == "cac" and dimension == "rep" for kpi, dimension, _, _ in hand.values)


def test_engine_matches_reference_on_hand_stream() -> None:
    assert_engine_matches(hand_stream())


# --- the building blocks of the reference ----------------------------------------------


def test_spend_spread_puts_the_rounding_remainder_on_the_last_day() -> None:
    shares = spread(D("100.00"), date(2026, 3, 1), date(2026, 3, 3))
    assert [share for _, share in shares] == [D("33.3333"), D("33.3333"), D("33.3334")]
    assert [day for day, _ in shares] == [date(2026, 3, day) for day in (1, 2, 3)]


@pytest.mark.parametrize(
    ("as_of", "week_start", "window", "expected"),
    [
        (date(2026, 3, 4), 0, "wtd", ((date(2026, 3, 2), date(2026, 3, 4)),
                                      (date(2026, 2, 23), date(2026, 2, 25)))),
        (date(2026, 3, 4), 6, "wtd", ((date(2026, 3, 1), date(2026, 3, 4)),
                                      (date(2026, 2, 22), date(2026, 2, 25)))),
        (date(2026, 3, 31), 0, "mtd", ((date(2026, 3, 1), date(2026, 3, 31)),
                                       (date(2026, 2, 1), date(2026, 2, 28)))),
        (date(2026, 3, 31), 0, "qtd", ((date(2026, 1, 1), date(2026, 3, 31)),
                                       (date(2025, 10, 1), date(2025, 12, 29)))),
        (date(2026, 9, 30), 0, "qtd", ((date(2026, 7, 1), date(2026, 9, 30)),
                                       (date(2026, 4, 1), date(2026, 6, 30)))),
        (date(2026, 1, 10), 0, "30d", ((date(2025, 12, 12), date(2026, 1, 10)),
                                       (date(2025, 11, 12), date(2025, 12, 11)))),
        (date(2026, 1, 1), 0, "7d", ((date(2025, 12, 26), date(2026, 1, 1)),
                                     (date(2025, 12, 19), date(2025, 12, 25)))),
    ],
)
def test_window_ranges_follow_the_table(
    as_of: date, week_start: int, window: str, expected: tuple[Any, Any]
) -> None:
    assert window_ranges(as_of, week_start)[window] == expected


def test_comparison_catches_a_cent_a_float_for_money_and_a_missing_series() -> None:
    reference: dict[Key, Entry] = {
        ("revenue", *COMPANY, "day"): (520.0, D("520.00"), None),
        ("orders", *COMPANY, "day"): (3.0, 3, None),
        ("arpu", *COMPANY, "day"): (260.0, D(520), 2),
    }
    assert differences(reference, dict(reference)) == []
    wrong: dict[Key, Entry] = {
        ("revenue", *COMPANY, "day"): (520.01, D("520.01"), None),
        ("orders", *COMPANY, "day"): (3.0, 3.0, None),
        ("arpu", *COMPANY, "day"): (260.0, 520.0, 2),
        ("leads", *COMPANY, "day"): (0.0, 0, None),
    }
    report = "\n".join(differences(reference, wrong))
    for needle in ("revenue: 2 differing", "orders: 1 differing", "arpu: 1 differing",
                   "1 series published by the engine only", "leads on company [day]"):
        assert needle in report, report
    assert same_float(1.0, 1.0 + 1e-12) and not same_float(1.0, 1.0 + 1e-8)
    assert same_float(None, None) and not same_float(None, 0.0)
