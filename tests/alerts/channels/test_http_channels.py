"""Slack, webhook and Alertmanager channels against a real local HTTP server."""

from __future__ import annotations

import pytest

from alerts.channels import AlertmanagerChannel, SlackChannel, WebhookChannel, build_channel
from alerts.exceptions import PermanentDeliveryError, RetryableDeliveryError
from alerts.render.links import RenderOptions
from alerts.retry import RetryPolicy, deliver, deliver_all
from tests.alerts.channels.servers import HttpReceiver, free_port
from tests.alerts.factories import notification, record, subscription

FAST = RetryPolicy(attempts=4, initial_delay=0, max_delay=0, jitter=0)


async def test_slack_200_is_delivered_once(receiver: HttpReceiver) -> None:
    channel = SlackChannel(receiver.url + "/services/T/B/X")
    sent = notification()
    assert await deliver(channel, sent, FAST) == 1
    [request] = receiver.requests
    assert request.method == "POST" and request.path == "/services/T/B/X"
    assert request.body["blocks"][0]["type"] == "header"
    assert request.headers["Idempotency-Key"] == sent.notification_id
    assert request.headers["Content-Type"] == "application/json"


async def test_500_twice_then_200_is_delivered_once_after_retries(receiver: HttpReceiver) -> None:
    receiver.statuses = [500, 503]
    channel = WebhookChannel(receiver.url + "/hook")
    assert await deliver(channel, notification(), FAST) == 3
    assert len(receiver.requests) == 3
    assert receiver.requests[-1].body["version"] == "4"


async def test_400_is_permanent_and_not_retried(receiver: HttpReceiver) -> None:
    receiver.statuses = [400]
    channel = SlackChannel(receiver.url + "/hook")
    with pytest.raises(PermanentDeliveryError) as info:
        await deliver(channel, notification(), FAST)
    assert info.value.status == 400 and info.value.attempts == 1
    assert len(receiver.requests) == 1


async def test_429_is_retried_and_retry_after_is_read(receiver: HttpReceiver) -> None:
    receiver.statuses = [429]
    receiver.headers = {"Retry-After": "0"}
    channel = WebhookChannel(receiver.url + "/hook")
    with pytest.raises(RetryableDeliveryError) as info:
        await channel.send(notification())
    assert info.value.retry_after == 0.0 and info.value.status == 429
    assert await deliver(channel, notification(), FAST) == 1


async def test_429_retry_after_sets_the_wait() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    class Flaky:
        kind = "webhook"
        target = "http://x/<redacted>"
        calls = 0

        async def send(self, _n: object) -> None:
            self.calls += 1
            if self.calls == 1:
                raise RetryableDeliveryError("webhook", self.target, "429", retry_after=7)

    policy = RetryPolicy(attempts=3, initial_delay=1, max_delay=30, jitter=0)
    assert await deliver(Flaky(), notification(), policy, sleep=sleep) == 2  # type: ignore[arg-type]
    assert waits == [7]


async def test_connection_refused_is_retryable() -> None:
    channel = WebhookChannel(f"http://127.0.0.1:{free_port()}/hook")
    with pytest.raises(RetryableDeliveryError) as info:
        await deliver(channel, notification(), RetryPolicy(attempts=2, initial_delay=0, jitter=0))
    assert info.value.attempts == 2 and "ConnectError" in info.value.reason


async def test_a_slow_receiver_times_out_as_retryable(receiver: HttpReceiver) -> None:
    receiver.delay = 1.0
    channel = WebhookChannel(receiver.url + "/hook", timeout=0.1)
    with pytest.raises(RetryableDeliveryError, match="timed out"):
        await channel.send(notification())


async def test_alertmanager_channel_posts_the_v2_alerts_list(receiver: HttpReceiver) -> None:
    channel = AlertmanagerChannel(receiver.url + "/am/")
    await channel.send(notification(record(key="r-07"), record(key="r-08")))
    [request] = receiver.requests
    assert request.path == "/am/api/v2/alerts"
    assert [a["labels"]["key"] for a in request.body] == ["r-07", "r-08"]


async def test_deliver_all_fans_out_and_reports_each_outcome(receiver: HttpReceiver) -> None:
    good = SlackChannel(receiver.url + "/ok")
    bad = WebhookChannel(f"http://127.0.0.1:{free_port()}/hook")
    sent = notification()
    outcomes = await deliver_all([(bad, sent), (good, sent)], FAST)
    assert [(o.channel, o.ok, o.attempts) for o in outcomes] == [
        ("webhook", False, 4),
        ("slack", True, 1),
    ]
    assert isinstance(outcomes[0].error, RetryableDeliveryError)


async def test_build_channel_uses_the_subscription(receiver: HttpReceiver) -> None:
    sub = subscription(language="ru", channel={"type": "webhook", "url": receiver.url + "/h"})
    channel = build_channel(sub, options=RenderOptions(external_url="https://sp.example"))
    await channel.send(notification())
    body = receiver.requests[0].body
    assert body["receiver"] == "Sales ops" and body["externalURL"] == "https://sp.example"
    assert "падение" in body["alerts"][0]["annotations"]["summary"]
    email = subscription(channel={"type": "email", "to": ["a@example.com"]})
    with pytest.raises(ValueError, match="SMTP"):
        build_channel(email)
    made = build_channel(email, smtp={"host": "127.0.0.1", "sender": "a@example.com"})
    assert made.kind == "email"


def test_retry_policy_is_validated() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=-1)
