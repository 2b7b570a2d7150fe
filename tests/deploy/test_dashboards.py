"""Grafana provisioning and dashboards: wiring, required content, and PromQL that parses."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from salespulse.kpis.registry import NOW, THIRTY_DAY, WINDOWED
from tests.deploy.promql import all_panels, dashboard_exprs, metric_names, promtool_parse
from tests.deploy.support import DASHBOARDS, DEPLOY, load_yaml, need

UID = "salespulse-prometheus"
BOARDS = sorted(DASHBOARDS.glob("*.json"))
KPI_IDS = set(WINDOWED) | set(THIRTY_DAY) | set(NOW)


def board(name: str) -> dict[str, Any]:
    return json.loads((DASHBOARDS / name).read_text())


def exprs(name: str) -> list[str]:
    return [e for _, e in dashboard_exprs(DASHBOARDS / name)]


def test_provisioning_points_at_the_dashboards_and_the_fixed_datasource() -> None:
    provisioning = DEPLOY / "grafana" / "provisioning"
    (source,) = load_yaml(provisioning / "datasources" / "prometheus.yml")["datasources"]
    assert source["uid"] == UID and source["type"] == "prometheus"
    (provider,) = load_yaml(provisioning / "dashboards" / "salespulse.yml")["providers"]
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"
    assert {p.name for p in BOARDS} >= {"sales-overview.json", "rep.json"}


@pytest.mark.parametrize("path", BOARDS, ids=lambda p: p.name)
def test_panels_use_the_fixed_datasource_and_fit_the_grid(path: Path) -> None:
    panels = list(all_panels(json.loads(path.read_text())["panels"]))
    assert len({p["id"] for p in panels}) == len(panels), "panel ids are unique"
    for panel in panels:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == UID, panel["title"]


def test_every_dashboard_query_parses(tmp_path: Path) -> None:
    need("promtool")
    found = [pair for path in BOARDS for pair in dashboard_exprs(path)]
    assert len(found) > 50
    assert promtool_parse(found, tmp_path) == ""


def test_every_kpi_a_dashboard_names_exists() -> None:
    named = {
        k
        for path in BOARDS
        for _, e in dashboard_exprs(path)
        for k in re.findall(r'kpi="([^"]+)"', e)
    }
    assert named - KPI_IDS <= {"plan_attainment", "plan_pace"}, named - KPI_IDS


def test_sales_overview_has_the_kpis_bands_variables_and_annotations() -> None:
    overview = board("sales-overview.json")
    queries = "\n".join(exprs("sales-overview.json"))
    for kpi in (
        "plan_attainment",
        "plan_pace",
        "win_rate",
        "open_pipeline_value",
        "open_pipeline_count",
        "churn_rate",
        "cac",
        "ltv_cac",
        "avg_order_value",
        "sales_growth",
    ):
        assert f'kpi="{kpi}"' in queries, kpi
    for band in (
        "salespulse_kpi_expected_lower",
        "salespulse_kpi_expected_upper",
        "salespulse_kpi_anomaly_score",
    ):
        assert band in queries
    variables = {v["name"]: v for v in overview["templating"]["list"]}
    for name in ("team", "region", "rep"):
        assert variables[name]["query"]["query"] == (
            f'label_values(salespulse_kpi_value{{dimension="{name}"}}, key)'
        )
    notes = [a["expr"] for a in overview["annotations"]["list"] if "expr" in a]
    assert notes == ["salespulse_kpi_anomaly_score > 0.5"]


def test_sales_overview_has_a_service_health_row() -> None:
    panels = list(all_panels(board("sales-overview.json")["panels"]))
    rows = [p["title"] for p in panels if p["type"] == "row"]
    assert "Service health" in rows
    health = {n for e in exprs("sales-overview.json") for n in metric_names(e)}
    for metric in (
        "salespulse_ingest_events_total",
        "salespulse_ingest_dead_letters_total",
        "salespulse_consumer_lag_messages",
        "salespulse_event_time_lag_seconds",
        "salespulse_kpi_update_latency_seconds_bucket",
        "salespulse_notifications_total",
        "up",
    ):
        assert metric in health, metric


def test_rep_dashboard_draws_plan_kpis_against_the_target() -> None:
    rep = board("rep.json")
    assert any('kpi=~"plan_.*"' in e and 'key="$rep"' in e for e in exprs("rep.json"))
    variables = {v["name"]: v for v in rep["templating"]["list"]}
    assert variables["rep"]["multi"] is False
