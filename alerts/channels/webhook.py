"""Generic webhook: POST Alertmanager's webhook payload (version "4").

Anything that receives Alertmanager webhooks receives ours. An ``Idempotency-Key`` header
carries the notification id so a receiver can drop a resend after a restart.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx
from pydantic import SecretStr

from alerts.channels.base import HttpChannel
from alerts.notification import Notification
from alerts.render.links import RenderOptions
from alerts.render.webhook import webhook_payload

__all__ = ["WebhookChannel"]


class WebhookChannel(HttpChannel):
    """``WebhookChannel(url, max_alerts=0, options=..., client=...)``."""

    kind: ClassVar[str] = "webhook"

    def __init__(
        self,
        url: SecretStr | str,
        *,
        max_alerts: int = 0,
        options: RenderOptions | None = None,
        client: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(url, options=options, client=client, timeout=timeout)
        if max_alerts < 0:
            raise ValueError(f"max_alerts must be >= 0, got {max_alerts}")
        self.max_alerts = max_alerts

    def body(self, notification: Notification) -> dict[str, Any]:
        return webhook_payload(notification, self.options, self.max_alerts)
