"""Every metric a dashboard or rule names is one SalesPulse exports (or records)."""

from __future__ import annotations

import pytest

from tests.deploy.promql import dashboard_exprs, metric_names, rule_exprs
from tests.deploy.support import DASHBOARDS, PROMETHEUS, load_yaml, sample_names

#: Metrics being added to the worker (name as scraped -> type). They are not in a live
#: scrape yet; remove each entry once it is, and the live scrape vouches for it.
PLANNED: dict[str, str] = {}  # metrics dashboards may name before the service exports them
#: Series Prometheus itself makes.
PROMETHEUS_OWN = {"up"}


def referenced() -> dict[str, set[str]]:
    """Metric name -> where it is used, over every dashboard and rule file."""
    sources = [p for d in sorted(DASHBOARDS.glob("*.json")) for p in dashboard_exprs(d)]
    sources += [p for r in sorted((PROMETHEUS / "rules").glob("*.yml")) for p in rule_exprs(r)]
    uses: dict[str, set[str]] = {}
    for where, expr in sources:
        for name in metric_names(expr):
            uses.setdefault(name, set()).add(where)
    return uses


def recorded() -> set[str]:
    groups = load_yaml(PROMETHEUS / "rules" / "recording.yml")["groups"]
    return {r["record"] for g in groups for r in g["rules"]}


def test_metric_names_are_found_in_promql() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le) (rate(a_bucket{x="b c",k=~"$rep"}[$__interval])))'
        " / on (job) group_left b:c:d offset 5m > bool 1e3 and vector(1)"
    )
    assert metric_names(expr) == {"a_bucket", "b:c:d"}


@pytest.mark.kafka
def test_every_referenced_metric_is_exported(scraped_names: set[str]) -> None:
    planned = {n for name, kind in PLANNED.items() for n in sample_names(name, kind)}
    known = scraped_names | planned | recorded() | PROMETHEUS_OWN
    unknown = {name: sorted(where) for name, where in referenced().items() if name not in known}
    assert not unknown, unknown
