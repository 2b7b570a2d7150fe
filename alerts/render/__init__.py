"""Rendering a notification for each channel, in English or Russian."""

from alerts.render.alertmanager import alertmanager_alerts
from alerts.render.email import build_email, email_bodies, email_subject
from alerts.render.links import RenderOptions, grafana_link, silence_link
from alerts.render.slack import slack_message
from alerts.render.webhook import webhook_payload

__all__ = [
    "RenderOptions",
    "alertmanager_alerts",
    "build_email",
    "email_bodies",
    "email_subject",
    "grafana_link",
    "silence_link",
    "slack_message",
    "webhook_payload",
]
