"""The shipped mappings on the real datasets, checked against an independent csv-module pass.

The datasets live outside the repository (``../shared/data``, or the directory in
``SALESPULSE_SHARED_DATA``); these tests skip when they are absent.
"""

from __future__ import annotations

import csv
import gzip
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from salespulse.importers import ImportedRow, Importer, ImportReport, RejectedRow, load_mapping
from tests.support.data import OLIST_DEALS as DEALS
from tests.support.data import OLIST_LEADS as LEADS
from tests.support.data import UCI, dataset

pytestmark = pytest.mark.data



@dataclass
class Run:
    report: ImportReport
    events: list[Any] = field(default_factory=list)
    rejects: list[RejectedRow] = field(default_factory=list)

    def of_type(self, kind: str) -> list[Any]:
        return [e for e in self.events if e.type == kind]


def run_import(mapping: str, relative: str) -> Run:
    report = ImportReport()
    result = Run(report)
    with Importer(load_mapping(mapping), dataset(relative)) as importer:
        for item in importer:
            report.record(item)
            if isinstance(item, ImportedRow):
                result.events.append(item.event)
            else:
                result.rejects.append(item)
        report.rows_read = importer.rows_read
    return result


def read_csv(relative: str) -> list[dict[str, str]]:
    path = dataset(relative)
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- UCI Online Retail -----------------------------------------------------------------


@pytest.fixture(scope="module")
def uci() -> Run:
    import time

    started = time.perf_counter()
    result = run_import("uci_online_retail", UCI)
    result.report.seconds = time.perf_counter() - started
    return result


@pytest.fixture(scope="module")
def uci_rows() -> list[dict[str, str]]:
    return read_csv(UCI)


@pytest.fixture(scope="module")
def invoices(uci_rows: list[dict[str, str]]) -> dict[str, tuple[Decimal, str]]:
    """Invoice -> (sum of Quantity x UnitPrice over its lines, CustomerID)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    customers: dict[str, str] = {}
    for row in uci_rows:
        totals[row["InvoiceNo"]] += Decimal(row["Quantity"]) * Decimal(row["UnitPrice"])
        customers[row["InvoiceNo"]] = row["CustomerID"]
    return {no: (total, customers[no]) for no, total in totals.items()}


def test_uci_orders_are_the_invoices_with_a_customer_and_a_positive_total(
    uci: Run, invoices: dict[str, tuple[Decimal, str]]
) -> None:
    expected = {
        no: total
        for no, (total, customer) in invoices.items()
        if not no.startswith("C") and customer and total > 0
    }
    got = {e.data.order_id: e.data.amount for e in uci.of_type("order.placed")}
    assert got == expected
    assert len(got) == 18_532


def test_uci_revenue_equals_the_lines_of_the_mapped_invoices(
    uci: Run, uci_rows: list[dict[str, str]]
) -> None:
    mapped = {e.data.order_id for e in uci.of_type("order.placed")}
    mapped_rows = [r for r in uci_rows if r["InvoiceNo"] in mapped]
    lines = sum((Decimal(r["Quantity"]) * Decimal(r["UnitPrice"]) for r in mapped_rows), Decimal(0))
    revenue = sum((e.data.amount for e in uci.of_type("order.placed")), Decimal(0))
    assert revenue == lines == Decimal("8911407.904")


def test_uci_every_cancellation_invoice_is_one_event(
    uci: Run, invoices: dict[str, tuple[Decimal, str]]
) -> None:
    expected = {no: -total for no, (total, _) in invoices.items() if no.startswith("C")}
    got = {e.data.order_id: e.data.amount for e in uci.of_type("order.cancelled")}
    assert got == expected
    assert (len(got), sum(got.values())) == (3_836, Decimal("896812.490"))


def test_uci_rejections_are_explained_invoice_by_invoice(
    uci: Run, invoices: dict[str, tuple[Decimal, str]]
) -> None:
    missing = "order.placed: data.customer_id: Field required (column CustomerID is empty)"
    not_positive = "data.amount: Input should be greater than 0"
    expected: Counter[str] = Counter()
    for no, (total, customer) in invoices.items():
        if no.startswith("C") or (customer and total > 0):
            continue
        if not customer:
            expected[missing + ("; " + not_positive if total <= 0 else "")] += 1
        else:
            expected[f"order.placed: {not_positive}"] += 1
    assert uci.report.rejects == expected
    assert sorted(expected.values()) == [4, 1_428, 2_100]


def test_uci_every_line_and_every_invoice_is_accounted_for(uci: Run) -> None:
    report = uci.report
    assert report.rows_read == 541_909
    assert report.imported_rows + report.rejected_rows.total() == 541_909
    assert report.total_events + report.total_rejects == 25_900  # one outcome per invoice


def test_uci_event_details(uci: Run) -> None:
    first = uci.events[0]
    assert first.id == "uci-order-536365"
    assert first.time == datetime(2010, 12, 1, 8, 26, tzinfo=ZoneInfo("Europe/London"))
    assert (first.data.customer_id, first.data.region, first.data.product) == (
        "17850", "United_Kingdom", "85123A",
    )
    summer = next(e for e in uci.events if e.time.month == 7)
    assert summer.time.utcoffset() == timedelta(hours=1)
    ids = [e.id for e in uci.events]
    assert len(set(ids)) == len(ids)


def test_uci_imports_well_under_a_minute(uci: Run) -> None:
    assert uci.report.seconds < 60


# --- Olist marketing funnel -------------------------------------------------------------


def test_olist_leads() -> None:
    result = run_import("olist_leads", LEADS)
    rows = read_csv(LEADS)
    assert (len(result.events), result.rejects) == (8_000, [])
    assert Counter(e.data.channel for e in result.events) == Counter(
        r["origin"] or "unknown" for r in rows
    )
    assert {e.data.lead_id: e.data.campaign for e in result.events} == {
        r["mql_id"]: r["landing_page_id"] for r in rows
    }
    zone = ZoneInfo("America/Sao_Paulo")
    first = {r["mql_id"]: r["first_contact_date"] for r in rows}
    for event in result.events:
        expected = datetime.fromisoformat(first[event.data.lead_id]).replace(tzinfo=zone)
        assert event.time == expected and event.time.utcoffset() == expected.utcoffset()


def test_olist_deals() -> None:
    result = run_import("olist_deals", DEALS)
    rows = {r["mql_id"]: r for r in read_csv(DEALS)}
    leads = {r["mql_id"] for r in read_csv(LEADS)}
    won, acquired = result.of_type("opportunity.won"), result.of_type("customer.acquired")
    assert (len(won), len(acquired), result.rejects) == (842, 842, [])
    total = sum((Decimal(r["declared_monthly_revenue"]) for r in rows.values()), Decimal(0))
    assert sum((e.data.amount for e in won), Decimal(0)) == total
    assert all(e.data.currency == "BRL" and e.data.rep == rows[e.data.opportunity_id]["sr_id"]
               for e in won)
    assert {e.data.lead_id for e in acquired} <= leads
    assert {e.data.customer_id for e in acquired} == {r["seller_id"] for r in rows.values()}
    zone = ZoneInfo("America/Sao_Paulo")
    for event in won:
        naive = datetime.fromisoformat(rows[event.data.opportunity_id]["won_date"])
        assert event.time == naive.replace(tzinfo=zone)
