"""What every channel shares: the ``Channel`` protocol and HTTP delivery with
Alertmanager's error classes (2xx ok; 5xx, 429 and transport errors retryable; other
statuses permanent). The target URL is a secret: errors, reprs and logs show only its
scheme and host, and exceptions are raised ``from None`` so no httpx error holding the URL
is chained to them.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar, Protocol

import httpx
from pydantic import SecretStr

from alerts.exceptions import PermanentDeliveryError, RetryableDeliveryError
from alerts.notification import Notification
from alerts.redact import install_httpx_log_redaction, redact_url, scrub, secret_parts
from alerts.render.links import RenderOptions

__all__ = ["Channel", "HttpChannel", "check_response", "retry_after_seconds"]

log = logging.getLogger(__name__)
install_httpx_log_redaction()
USER_AGENT = "SalesPulse-Alerting/1"


class Channel(Protocol):
    kind: ClassVar[str]

    @property
    def target(self) -> str: ...

    async def send(self, notification: Notification) -> None: ...


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds when given as a number (dates are ignored)."""
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


def check_response(kind: str, target: str, response: httpx.Response, secret: str) -> None:
    """Return on 2xx, else raise the retryable or permanent delivery error."""
    status = response.status_code
    if 200 <= status < 300:
        return
    text = response.text[:200].strip() if response.content else ""
    snippet = scrub(text, secret_parts(secret))
    reason = f"HTTP {status}" + (f": {snippet}" if snippet else "")
    if status >= 500 or status == 429:
        delay = retry_after_seconds(response)
        raise RetryableDeliveryError(kind, target, reason, status=status, retry_after=delay)
    raise PermanentDeliveryError(kind, target, reason, status=status)


class HttpChannel:
    """POSTs a JSON body rendered by ``body``; subclasses choose the body and the URL."""

    kind: ClassVar[str] = "http"

    def __init__(
        self,
        url: SecretStr | str,
        *,
        options: RenderOptions | None = None,
        client: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._url = url if isinstance(url, SecretStr) else SecretStr(url)
        self.options = options or RenderOptions()
        self._client = client
        self.timeout = timeout

    @property
    def target(self) -> str:
        return redact_url(self._url.get_secret_value())

    def __repr__(self) -> str:
        return f"{type(self).__name__}(target={self.target!r})"

    def endpoint(self) -> str:
        return self._url.get_secret_value()

    def body(self, notification: Notification) -> Any:
        raise NotImplementedError

    async def send(self, notification: Notification) -> None:
        headers = {
            "User-Agent": USER_AGENT,
            "Idempotency-Key": notification.notification_id,
        }
        payload = self.body(notification)
        response = await self._post(payload, headers)
        check_response(self.kind, self.target, response, self._url.get_secret_value())
        log.info(
            "%s notification %s delivered to %s",
            self.kind,
            notification.notification_id[:12],
            self.target,
        )

    async def _post(self, payload: Any, headers: dict[str, str]) -> httpx.Response:
        secret = self._url.get_secret_value()
        try:
            if self._client is not None:
                return await self._client.post(
                    self.endpoint(), json=payload, headers=headers, timeout=self.timeout
                )
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                return await client.post(self.endpoint(), json=payload, headers=headers)
        except httpx.UnsupportedProtocol:
            raise PermanentDeliveryError(self.kind, self.target, "unsupported URL") from None
        except httpx.TimeoutException as exc:
            reason = f"timed out ({type(exc).__name__})"
            raise RetryableDeliveryError(self.kind, self.target, reason) from None
        except httpx.TransportError as exc:
            reason = f"{type(exc).__name__}: {scrub(str(exc), secret_parts(secret))}"
            raise RetryableDeliveryError(self.kind, self.target, reason) from None
        except httpx.InvalidURL:
            raise PermanentDeliveryError(self.kind, self.target, "invalid URL") from None
