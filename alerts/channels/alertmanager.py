"""Forward alerts to an Alertmanager: ``POST <base>/api/v2/alerts``.

That Alertmanager then groups, silences and routes on its own; firing alerts carry an
``endsAt`` ``firing_ttl`` seconds ahead (see ``alerts.render.alertmanager``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx
from pydantic import SecretStr

from alerts.channels.base import HttpChannel
from alerts.notification import Notification
from alerts.render.alertmanager import alertmanager_alerts
from alerts.render.links import RenderOptions

__all__ = ["AlertmanagerChannel"]

API_PATH = "/api/v2/alerts"


class AlertmanagerChannel(HttpChannel):
    """``AlertmanagerChannel(base_url, firing_ttl=6h, options=..., client=...)``."""

    kind: ClassVar[str] = "alertmanager"

    def __init__(
        self,
        url: SecretStr | str,
        *,
        firing_ttl: float = 6 * 3600,
        options: RenderOptions | None = None,
        client: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(url, options=options, client=client, timeout=timeout)
        if firing_ttl <= 0:
            raise ValueError(f"firing_ttl must be > 0, got {firing_ttl}")
        self.firing_ttl = firing_ttl

    def endpoint(self) -> str:
        return super().endpoint().rstrip("/") + API_PATH

    def body(self, notification: Notification) -> list[dict[str, Any]]:
        return alertmanager_alerts(notification, self.options, self.firing_ttl)
