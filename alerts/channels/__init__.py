"""Delivery channels, one module each, and ``build_channel`` for a subscription.

Every channel has ``kind``, a redacted ``target`` and ``async send(notification)`` that
returns on success or raises ``RetryableDeliveryError`` / ``PermanentDeliveryError``;
``alerts.retry.deliver`` adds the backoff.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import httpx

from alerts.channels.alertmanager import AlertmanagerChannel
from alerts.channels.base import Channel, HttpChannel
from alerts.channels.email import EmailChannel
from alerts.channels.slack import SlackChannel
from alerts.channels.webhook import WebhookChannel
from alerts.config import (
    AlertmanagerConfig,
    EmailConfig,
    SlackConfig,
    Subscription,
    WebhookConfig,
)
from alerts.render.links import RenderOptions

__all__ = [
    "AlertmanagerChannel",
    "Channel",
    "EmailChannel",
    "HttpChannel",
    "SlackChannel",
    "WebhookChannel",
    "build_channel",
]


def build_channel(
    subscription: Subscription,
    *,
    options: RenderOptions | None = None,
    client: httpx.AsyncClient | None = None,
    smtp: Mapping[str, Any] | None = None,
) -> Channel:
    """The channel for a subscription, rendering in its language under its name.

    ``options`` carries the link bases (Grafana, silence form, external URL); ``smtp`` the
    ``EmailChannel`` keyword arguments (host, port, sender, username, password, starttls,
    use_tls, validate_certs, cert_bundle, timeout) from the settings tree.
    """
    base = options or RenderOptions()
    opts = dataclasses.replace(base, language=subscription.language, receiver=subscription.name)
    config = subscription.channel
    if isinstance(config, SlackConfig):
        return SlackChannel(config.webhook_url, options=opts, client=client)
    if isinstance(config, WebhookConfig):
        return WebhookChannel(config.url, max_alerts=config.max_alerts, options=opts, client=client)
    if isinstance(config, AlertmanagerConfig):
        return AlertmanagerChannel(config.url, options=opts, client=client)
    if isinstance(config, EmailConfig):
        if not smtp or "host" not in smtp or "sender" not in smtp:
            raise ValueError("email subscriptions need SMTP settings (host and sender)")
        return EmailChannel([str(a) for a in config.to], options=opts, **dict(smtp))
    raise TypeError(f"unknown channel config {type(config).__name__}")  # pragma: no cover
