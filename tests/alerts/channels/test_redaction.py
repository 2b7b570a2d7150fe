"""Secrets never leak: webhook URLs and SMTP passwords stay out of errors, reprs and logs
(Alertmanager's ``AssertNotifyLeaksNoSecret``)."""

from __future__ import annotations

import logging
import traceback

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from alerts.channels import AlertmanagerChannel, EmailChannel, SlackChannel, WebhookChannel
from alerts.exceptions import DeliveryError
from alerts.retry import RetryPolicy, deliver, deliver_all
from tests.alerts.channels.servers import HttpReceiver, MailBox, free_port
from tests.alerts.factories import notification

SECRET = "T0SECRET/B0SECRET/XXXXSECRETXXXX"
PASSWORD = "pa55-SECRET-word"
FAST = RetryPolicy(attempts=2, initial_delay=0, max_delay=0, jitter=0)


def leaks(error: BaseException, caplog: pytest.LogCaptureFixture, secret: str) -> list[str]:
    places = {
        "str": str(error),
        "repr": repr(error),
        "traceback": "".join(traceback.format_exception(error)),
        "logs": caplog.text,
        "log args": " ".join(str(r.args) for r in caplog.records),
    }
    return [where for where, text in places.items() if secret in text or "SECRET" in text]


@pytest.mark.parametrize("status", [400, 404, 500])
@pytest.mark.parametrize("make", [SlackChannel, WebhookChannel, AlertmanagerChannel])
async def test_http_errors_do_not_leak_the_url(
    receiver: HttpReceiver, caplog: pytest.LogCaptureFixture, make: type, status: int
) -> None:
    caplog.set_level(logging.DEBUG)
    receiver.statuses = [status] * 3  # the body echoes the secret path back
    channel = make(f"{receiver.url}/services/{SECRET}")
    assert SECRET not in repr(channel) and "SECRET" not in channel.target
    with pytest.raises(DeliveryError) as info:
        await deliver(channel, notification(), FAST)
    assert leaks(info.value, caplog, SECRET) == []
    assert "127.0.0.1" in str(info.value)


async def test_success_is_logged_without_the_url(
    receiver: HttpReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await SlackChannel(f"{receiver.url}/services/{SECRET}").send(notification())
    assert any(r.name == "httpx" for r in caplog.records)  # httpx did log the request line
    assert "SECRET" not in caplog.text


async def test_transport_errors_do_not_leak_the_url(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    channel = WebhookChannel(f"http://127.0.0.1:{free_port()}/hook/{SECRET}?token={SECRET}")
    [outcome] = await deliver_all([(channel, notification())], FAST)
    assert outcome.error is not None
    assert leaks(outcome.error, caplog, SECRET) == []


async def test_smtp_password_does_not_leak(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def refuse(*_: object) -> AuthResult:
        return AuthResult(success=False, handled=False)

    controller = Controller(
        MailBox(),
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=refuse,
        auth_require_tls=False,
    )
    controller.start()
    try:
        channel = EmailChannel(
            ["ops@example.com"],
            host="127.0.0.1",
            port=controller.port,
            sender="alerts@example.com",
            username="alerts",
            password=PASSWORD,
        )
        assert PASSWORD not in repr(channel) and PASSWORD not in str(vars(channel))
        with pytest.raises(DeliveryError) as info:
            await deliver(channel, notification(), FAST)
    finally:
        controller.stop()
    assert leaks(info.value, caplog, PASSWORD) == []
