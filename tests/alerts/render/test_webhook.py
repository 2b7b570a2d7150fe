"""Alertmanager webhook payload v4 and the POST /api/v2/alerts body."""

from __future__ import annotations

from datetime import timedelta

from alerts.notification import NotifyReason
from alerts.render.alertmanager import alertmanager_alerts
from alerts.render.links import RenderOptions
from alerts.render.webhook import ZERO_TIME, webhook_payload
from tests.alerts.factories import T0, notification, record

OPTIONS = RenderOptions(
    grafana_url="https://grafana.example/d/kpis",
    external_url="https://salespulse.example",
    receiver="Sales ops",
)
AM_KEYS = {"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"}


def test_payload_has_alertmanager_v4_fields() -> None:
    sent = notification(
        record(key="r-07"), record(key="r-08", status="resolved"), reason=NotifyReason.UPDATE
    )
    payload = webhook_payload(sent, OPTIONS)
    assert payload["version"] == "4"
    assert payload["receiver"] == "Sales ops" and payload["status"] == "firing"
    assert payload["groupLabels"] == {"team": "t-2"}
    assert payload["groupKey"] == '{}/{subscription="sales-ops"}:{team="t-2"}'
    assert payload["externalURL"] == "https://salespulse.example"
    assert payload["truncatedAlerts"] == 0
    assert payload["commonLabels"]["kpi"] == "win_rate" and "key" not in payload["commonLabels"]
    assert "summary" not in payload["commonAnnotations"]
    firing, resolved = payload["alerts"]
    assert set(firing) == AM_KEYS
    assert "status" not in firing["labels"]  # the alert's status is its own field
    assert firing["endsAt"] == ZERO_TIME and firing["startsAt"] == "2024-03-01T00:00:00Z"
    assert resolved["endsAt"] == "2024-03-01T00:00:00Z" and resolved["status"] == "resolved"
    assert firing["annotations"]["summary"].startswith("[WARNING] win_rate drop — rep r-07")
    assert firing["annotations"]["observed"] == "0.05"
    assert firing["generatorURL"].startswith("https://grafana.example/d/kpis?var-kpi=win_rate")
    assert len(firing["fingerprint"]) == 16


def test_all_resolved_payload_and_truncation() -> None:
    sent = notification(
        *(record(key=f"r-{i}", status="resolved") for i in range(5)), reason=NotifyReason.RESOLVED
    )
    payload = webhook_payload(sent, OPTIONS, max_alerts=2)
    assert payload["status"] == "resolved"
    assert len(payload["alerts"]) == 2 and payload["truncatedAlerts"] == 3


def test_alertmanager_body() -> None:
    sent = notification(record(key="r-07"), record(key="r-08", status="resolved"))
    body = alertmanager_alerts(sent, OPTIONS, firing_ttl=3600)
    firing, resolved = body
    assert set(firing) == {"labels", "annotations", "startsAt", "endsAt", "generatorURL"}
    assert firing["labels"]["alertname"] == "win_rate_drop"
    assert "status" not in firing["labels"]
    assert firing["endsAt"] == (T0 + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert resolved["endsAt"] == "2024-03-01T00:00:00Z"
