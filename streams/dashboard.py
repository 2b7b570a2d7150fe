"""A live terminal view of a worker, read from its own ``/metrics`` page.

Reading the exposition (rather than sharing memory) means the view shows
exactly what Prometheus would scrape.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import httpx
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Group
from rich.table import Table


@dataclass
class Snapshot:
    at: float
    messages: float = 0.0
    by_type: dict[str, float] = field(default_factory=dict)
    by_reason: dict[str, float] = field(default_factory=dict)
    totals: dict[str, float] = field(default_factory=dict)

    def total(self, name: str) -> float:
        """The sum of every sample of ``name`` (all label sets)."""
        return self.totals.get(name, 0.0)


def scrape(url: str) -> Snapshot:
    text = httpx.get(url, timeout=5).text
    snap = Snapshot(at=time.monotonic())
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            snap.totals[sample.name] = snap.totals.get(sample.name, 0.0) + sample.value
            if sample.name == "salespulse_ingest_messages_total":
                snap.messages = sample.value
            elif sample.name == "salespulse_ingest_events_total":
                snap.by_type[sample.labels["type"]] = sample.value
            elif sample.name == "salespulse_ingest_dead_letters_total":
                snap.by_reason[sample.labels["reason"]] = sample.value
    return snap


def _rates(now: dict[str, float], before: dict[str, float], seconds: float) -> dict[str, float]:
    rates: dict[str, float] = defaultdict(float)
    for key, value in now.items():
        rates[key] = (value - before.get(key, 0.0)) / seconds if seconds > 0 else 0.0
    return rates


def _table(title: str, header: str, now: dict[str, float], rates: dict[str, float]) -> Table:
    table = Table(title=title, title_justify="left", expand=False)
    table.add_column(header)
    table.add_column("total", justify="right")
    table.add_column("per s", justify="right")
    for key in sorted(now, key=lambda k: -now[k]):
        if now[key] > 0:
            table.add_row(key, f"{now[key]:,.0f}", f"{rates[key]:,.1f}")
    return table


DEMO_KPIS = (
    "revenue",
    "orders",
    "win_rate",
    "lead_to_opportunity",
    "churn_rate",
    "cac",
    "arpu",
    "open_pipeline_value",
)


def company_kpis(base_url: str) -> dict[str, dict[str, float | None]]:
    """Company KPIs by window from the worker's ``/kpis`` (what a sales lead looks at)."""
    body = httpx.get(f"{base_url}/kpis", params={"dimension": "company"}, timeout=30).json()
    out: dict[str, dict[str, float | None]] = {}
    for row in body["kpis"]:
        if row["kpi"] in DEMO_KPIS:
            out.setdefault(row["kpi"], {})[row["window"]] = row["value"]
    return out


def _kpi_table(kpis: dict[str, dict[str, float | None]]) -> Table:
    table = Table(title="Company KPIs (event time)", title_justify="left")
    table.add_column("kpi")
    windows = ("day", "7d", "30d", "mtd", "now")
    for window in windows:
        table.add_column(window, justify="right")
    for kpi in DEMO_KPIS:
        values = kpis.get(kpi, {})
        table.add_row(kpi, *(_fmt(values.get(w)) for w in windows))
    return table


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:,.0f}"


def render(
    now: Snapshot,
    before: Snapshot | None,
    header: str,
    kpis: dict[str, dict[str, float | None]] | None = None,
) -> Group:
    seconds = now.at - before.at if before else 0.0
    prev = before or Snapshot(at=now.at)
    valid = sum(now.by_type.values())
    dead = sum(now.by_reason.values())
    summary = Table.grid(padding=(0, 2))
    summary.add_row(header)
    summary.add_row(
        f"consumed [bold]{now.messages:,.0f}[/]   typed [green]{valid:,.0f}[/]   "
        f"dead-lettered [red]{dead:,.0f}[/]   "
        f"rate [bold]{(now.messages - prev.messages) / seconds if seconds else 0:,.0f}[/]/s"
    )
    parts: list[Table] = [summary]
    if kpis:
        parts.append(_kpi_table(kpis))
    return Group(
        *parts,
        _table("Events by type", "type", now.by_type, _rates(now.by_type, prev.by_type, seconds)),
        _table(
            "Dead letters by reason",
            "reason",
            now.by_reason,
            _rates(now.by_reason, prev.by_reason, seconds),
        ),
    )
