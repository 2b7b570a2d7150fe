"""Every error the alerting layer raises on purpose.

SalesPulseError
└── AlertingError               root of alerting errors
    ├── AlertConfigError        a routing file (subscriptions, inhibit rules) is invalid
    ├── NotFoundError           no subscription or silence with that id
    ├── ApiClientError          the worker's HTTP API answered the CLI with an error
    └── DeliveryError           a notification could not be delivered to a channel
        ├── RetryableDeliveryError   5xx, 429, timeouts, transport errors: retry with backoff
        └── PermanentDeliveryError   other 4xx, SMTP 5xx, bad config: retrying will not help

Delivery errors carry the channel kind, a redacted target (scheme and host only: a webhook
URL or an SMTP password never appears in their message or ``repr``) and, once
``alerts.retry`` gave up, the number of attempts made.
"""

from __future__ import annotations

from salespulse.exceptions import SalesPulseError

__all__ = [
    "AlertConfigError",
    "AlertingError",
    "ApiClientError",
    "DeliveryError",
    "NotFoundError",
    "PermanentDeliveryError",
    "RetryableDeliveryError",
]


class AlertingError(SalesPulseError):
    """Root of the alerting layer's own errors."""


class AlertConfigError(AlertingError):
    """A routing file is invalid; the message names each bad field."""


class NotFoundError(AlertingError, KeyError):
    """No subscription or silence has the given id."""

    def __init__(self, kind: str, item_id: str) -> None:
        super().__init__(f"no {kind} with id {item_id!r}")
        self.kind = kind
        self.item_id = item_id

    def __str__(self) -> str:
        return str(self.args[0])


class ApiClientError(AlertingError):
    """The worker's API refused a CLI request; ``status`` is the HTTP status (0: unreachable)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class DeliveryError(AlertingError):
    """A channel failed to deliver; ``target`` is already redacted."""

    retryable = False

    def __init__(
        self,
        channel: str,
        target: str,
        reason: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        message = f"{channel} delivery to {target} failed: {reason}"
        super().__init__(message)
        self.channel = channel
        self.target = target
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        self.attempts = 0


class RetryableDeliveryError(DeliveryError):
    """Worth retrying: the receiver was down, slow, or asked us to back off."""

    retryable = True


class PermanentDeliveryError(DeliveryError):
    """Not worth retrying: the receiver rejected the request itself."""
