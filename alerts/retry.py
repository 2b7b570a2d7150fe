"""Retry a delivery with exponential backoff and jitter (tenacity), Alertmanager-style.

Only ``RetryableDeliveryError`` is retried, at most ``attempts`` tries in all, waiting
``initial_delay * 2**n`` plus up to ``jitter`` seconds, capped at ``max_delay``, or the
receiver's ``Retry-After`` when that is longer (still capped). A permanent error stops at
once. ``deliver_all`` fans out in parallel so one slow channel never holds up another.
Tests pass a zero-delay policy or their own ``sleep``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from alerts.channels.base import Channel
from alerts.exceptions import DeliveryError, RetryableDeliveryError
from alerts.notification import Notification

__all__ = ["DeliveryOutcome", "RetryPolicy", "deliver", "deliver_all"]

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    initial_delay: float = 1.0
    max_delay: float = 60.0
    jitter: float = 1.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be >= 1, got {self.attempts}")
        if min(self.initial_delay, self.max_delay, self.jitter) < 0:
            raise ValueError("delays and jitter must be >= 0")

    def wait(self, state: RetryCallState) -> float:
        base = wait_exponential_jitter(
            initial=self.initial_delay, max=self.max_delay, jitter=self.jitter
        )(state)
        error = state.outcome.exception() if state.outcome else None
        hint = getattr(error, "retry_after", None) or 0.0
        return min(max(base, hint), self.max_delay)


@dataclass(frozen=True)
class DeliveryOutcome:
    """One delivery's result, for metrics and logs (``error`` is already redacted)."""

    notification_id: str
    channel: str
    target: str
    attempts: int
    error: DeliveryError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    delay = state.next_action.sleep if state.next_action else 0.0
    log.warning(
        "delivery attempt %d failed, retrying in %.1fs: %s", state.attempt_number, delay, error
    )


async def deliver(
    channel: Channel,
    notification: Notification,
    policy: RetryPolicy | None = None,
    sleep: Sleep = asyncio.sleep,
) -> int:
    """Send with retries; the number of attempts on success, else the last error raised."""
    rules = policy or RetryPolicy()
    retrying = AsyncRetrying(
        stop=stop_after_attempt(rules.attempts),
        wait=rules.wait,
        retry=retry_if_exception_type(RetryableDeliveryError),
        reraise=True,
        sleep=sleep,
        before_sleep=_log_retry,
    )
    attempts = 0
    try:
        async for attempt in retrying:
            with attempt:
                attempts = attempt.retry_state.attempt_number
                await channel.send(notification)
    except DeliveryError as error:
        error.attempts = attempts
        raise
    return attempts


async def _outcome(
    channel: Channel, notification: Notification, policy: RetryPolicy | None, sleep: Sleep
) -> DeliveryOutcome:
    nid = notification.notification_id
    try:
        attempts = await deliver(channel, notification, policy, sleep)
    except DeliveryError as error:
        log.error("delivery of %s failed for good: %s", nid[:12], error)
        return DeliveryOutcome(nid, channel.kind, channel.target, error.attempts, error)
    return DeliveryOutcome(nid, channel.kind, channel.target, attempts)


async def deliver_all(
    jobs: Sequence[tuple[Channel, Notification]],
    policy: RetryPolicy | None = None,
    sleep: Sleep = asyncio.sleep,
) -> list[DeliveryOutcome]:
    """Deliver every (channel, notification) concurrently; never raises a DeliveryError."""
    return list(await asyncio.gather(*(_outcome(c, n, policy, sleep) for c, n in jobs)))
