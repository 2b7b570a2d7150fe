"""Slack incoming webhook: POST the Block Kit message; Slack answers ``ok`` on success.

Slack's failures map onto the shared classes: 400 ``invalid_payload``, 403
``action_prohibited``, 404 ``no_service`` and 410 ``channel_is_archived`` are permanent;
429 (with ``Retry-After``) and 5xx are retried.
"""

from __future__ import annotations

from typing import Any, ClassVar

from alerts.channels.base import HttpChannel
from alerts.notification import Notification
from alerts.render.slack import slack_message

__all__ = ["SlackChannel"]


class SlackChannel(HttpChannel):
    """``SlackChannel(webhook_url, options=RenderOptions(...), client=shared_client)``."""

    kind: ClassVar[str] = "slack"

    def body(self, notification: Notification) -> dict[str, Any]:
        return slack_message(notification, self.options)
