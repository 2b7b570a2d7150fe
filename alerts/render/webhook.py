"""Alertmanager's webhook payload (version "4") for a notification.

Receivers written for Alertmanager (PagerDuty bridges, chat bots, ticketing) read it as is:
``receiver``, ``status``, ``alerts`` (status, labels, annotations, startsAt, endsAt,
generatorURL, fingerprint), ``groupLabels``, ``commonLabels``, ``commonAnnotations``,
``externalURL``, ``version``, ``groupKey`` and ``truncatedAlerts``. Annotations carry the
human text (``summary``, ``description``) and the raw numbers for machines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from alerts.model import AlertSnapshot
from alerts.notification import Notification
from alerts.render.i18n import format_money
from alerts.render.links import RenderOptions, grafana_link, silence_link
from alerts.render.text import details, drilldown_rows, headline
from alerts.timeutil import to_iso

__all__ = ["ZERO_TIME", "alert_annotations", "common", "group_key_of", "webhook_payload"]

ZERO_TIME = "0001-01-01T00:00:00Z"


def alert_annotations(alert: AlertSnapshot, options: RenderOptions) -> dict[str, str]:
    """Text for people (summary, description, drilldown) and numbers for machines."""
    lang = options.language
    record = alert.record
    found: dict[str, str | None] = {
        "summary": headline(alert, lang),
        "description": "; ".join(f"{label}: {text}" for label, text in details(alert, lang)),
        "observed": _number(record.observed),
        "expected": _number(record.expected),
        "low": _number(record.low),
        "high": _number(record.high),
        "score": f"{record.score:.3f}",
        "drilldown": "\n".join(drilldown_rows(alert, lang)[:10]),
        "detectors": "; ".join(f"{d.name}: {d.reason}" for d in record.detectors),
        "dashboard": grafana_link(options, alert),
        "silence": silence_link(options, alert.labels),
    }
    if record.money_impact is not None:
        money = record.money_impact
        found["money_impact"] = format_money(money.amount, money.currency, lang)
    return {key: text for key, text in found.items() if text}


def _number(value: float | None) -> str | None:
    return None if value is None else repr(float(value))


def common(maps: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """The pairs every map has with the same value."""
    if not maps:
        return {}
    first = maps[0]
    return {k: v for k, v in first.items() if all(m.get(k) == v for m in maps[1:])}


def group_key_of(notification: Notification) -> str:
    """Alertmanager's shape: route, then the group's labels."""
    return f'{{}}/{{subscription="{notification.subscription_id}"}}:{notification.group_key}'


def _alert(alert: AlertSnapshot, options: RenderOptions) -> dict[str, Any]:
    notes = alert_annotations(alert, options)
    return {
        "status": alert.status,
        "labels": {k: v for k, v in alert.labels.items() if k != "status"},
        "annotations": notes,
        "startsAt": to_iso(alert.starts_at),
        "endsAt": to_iso(alert.ends_at) if alert.ends_at else ZERO_TIME,
        "generatorURL": notes.get("dashboard", options.external_url),
        "fingerprint": alert.fingerprint,
    }


def webhook_payload(
    notification: Notification, options: RenderOptions, max_alerts: int = 0
) -> dict[str, Any]:
    """The JSON body; ``max_alerts`` > 0 keeps that many and counts the rest as truncated."""
    alerts = [_alert(a, options) for a in notification.alerts]
    kept = alerts[:max_alerts] if max_alerts > 0 else alerts
    return {
        "version": "4",
        "groupKey": group_key_of(notification),
        "truncatedAlerts": len(alerts) - len(kept),
        "status": notification.status,
        "receiver": options.receiver,
        "groupLabels": dict(notification.group_labels),
        "commonLabels": common([a["labels"] for a in alerts]),
        "commonAnnotations": common([a["annotations"] for a in alerts]),
        "externalURL": options.external_url,
        "alerts": kept,
    }
