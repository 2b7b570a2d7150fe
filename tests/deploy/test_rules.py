"""Prometheus config, rules and their unit tests; Alertmanager config and routing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.support import DEPLOY, PROMETHEUS, ROOT, load_yaml, need, run

RULE_FILES = sorted((PROMETHEUS / "rules").glob("*.yml"))
ALERTMANAGER = DEPLOY / "alertmanager" / "alertmanager.yml"
#: Where each severity must end up (deploy/alertmanager/alertmanager.yml).
RECEIVER = {"critical": "ops-pager", "warning": "ops-email", "info": "sales-analysts"}


def alerts() -> list[dict[str, Any]]:
    groups = load_yaml(PROMETHEUS / "rules" / "alerts.yml")["groups"]
    return [rule for group in groups for rule in group["rules"]]


def test_prometheus_config_is_valid_with_its_rule_files() -> None:
    done = run(need("promtool"), "check", "config", str(PROMETHEUS / "prometheus.yml"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(RULE_FILES)} rule files found" in done.stdout


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rule_file_is_valid(path: Path) -> None:
    done = run(need("promtool"), "check", "rules", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_rule_unit_tests_pass() -> None:
    tests = sorted(str(p) for p in (PROMETHEUS / "tests").glob("*.yml"))
    done = run(need("promtool"), "test", "rules", *tests)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_has_a_unit_test() -> None:
    tested = {
        case["alertname"]
        for path in (PROMETHEUS / "tests").glob("*.yml")
        for test in load_yaml(path)["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert {a["alert"] for a in alerts()} <= tested


def test_every_alert_has_severity_summary_and_a_runbook_section() -> None:
    runbook = (ROOT / "docs" / "operations.md").read_text()
    anchors = {h.lower() for h in re.findall(r"^#+ +`?(\w+)`?$", runbook, re.M)}
    for alert in alerts():
        assert alert["labels"]["severity"] in RECEIVER, alert["alert"]
        assert alert["annotations"]["summary"], alert["alert"]
        anchor = alert["annotations"]["runbook"].split("#")[1]
        assert anchor == alert["alert"].lower() and anchor in anchors, alert["alert"]


def test_recording_rules_follow_level_metric_operation() -> None:
    groups = load_yaml(PROMETHEUS / "rules" / "recording.yml")["groups"]
    for rule in (r for g in groups for r in g["rules"]):
        level, metric, operation = rule["record"].split(":")
        assert level.startswith("job") and metric.startswith("salespulse_") and operation


def test_alertmanager_config_is_valid() -> None:
    done = run(need("amtool"), "check-config", str(ALERTMANAGER))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("alert", alerts(), ids=lambda a: a["alert"])
def test_alert_is_routed_by_severity(alert: dict[str, Any]) -> None:
    labels = {"alertname": alert["alert"], "job": "salespulse-worker", **alert["labels"]}
    expected = RECEIVER[alert["labels"]["severity"]]
    done = run(
        need("amtool"),
        "config",
        "routes",
        "test",
        f"--config.file={ALERTMANAGER}",
        f"--verify.receivers={expected}",
        *(f"{k}={v}" for k, v in labels.items()),
    )
    assert done.returncode == 0, done.stdout + done.stderr
