"""Body for Alertmanager's ``POST /api/v2/alerts``: hand our alerts to an Alertmanager.

Each alert keeps its labels (plus ``alertname`` = ``<kpi>_<direction>``, minus ``status``
so resolving does not change its identity) and our annotations. A resolved alert gets
``endsAt`` = its resolution time. A firing one gets ``endsAt`` = now + ``firing_ttl``:
Alertmanager resolves an alert nobody re-sends, so the subscription's repeat_interval
(with ``renotify_change: 0``) must be shorter than the TTL.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from alerts.model import AlertSnapshot
from alerts.notification import Notification
from alerts.render.links import RenderOptions
from alerts.render.webhook import alert_annotations
from alerts.timeutil import to_iso

__all__ = ["alertmanager_alerts", "alertmanager_labels"]

_BAD_NAME = re.compile(r"[^a-zA-Z0-9_]")


def alertmanager_labels(alert: AlertSnapshot) -> dict[str, str]:
    """Labels with valid Prometheus names and an ``alertname``."""
    labels = {
        _BAD_NAME.sub("_", name): value for name, value in alert.labels.items() if name != "status"
    }
    labels["alertname"] = f"{alert.record.kpi}_{alert.record.direction}"
    return labels


def _alert(
    alert: AlertSnapshot, options: RenderOptions, now: datetime, firing_ttl: float
) -> dict[str, Any]:
    notes = alert_annotations(alert, options)
    ends = alert.ends_at if alert.ends_at else now + timedelta(seconds=firing_ttl)
    return {
        "labels": alertmanager_labels(alert),
        "annotations": notes,
        "startsAt": to_iso(alert.starts_at),
        "endsAt": to_iso(ends),
        "generatorURL": notes.get("dashboard", options.external_url),
    }


def alertmanager_alerts(
    notification: Notification,
    options: RenderOptions,
    firing_ttl: float = 6 * 3600,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """The list to POST; ``now`` defaults to the notification's creation time."""
    moment = now or notification.created_at
    return [_alert(a, options, moment, firing_ttl) for a in notification.alerts]
