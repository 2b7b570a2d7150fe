"""The e-mail channel against a real aiosmtpd server: plain, STARTTLS with login, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from alerts.channels.email import EmailChannel
from alerts.exceptions import PermanentDeliveryError, RetryableDeliveryError
from alerts.render.links import RenderOptions
from tests.alerts.channels.servers import MailBox, free_port, self_signed_cert, server_tls_context
from tests.alerts.factories import notification, record

PASSWORD = "hunter2-very-secret"


def start(handler: MailBox, **kwargs: Any) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller


def check_login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == b"alerts"
        and data.password == (PASSWORD.encode())
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def mailbox() -> Iterator[tuple[MailBox, Controller]]:
    box = MailBox()
    controller = start(box)
    yield box, controller
    controller.stop()


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    made = self_signed_cert(tmp_path_factory.mktemp("tls"))
    if made is None:
        pytest.skip("neither the cryptography package nor the openssl CLI is available")
    return made


async def test_a_real_multipart_message_arrives(mailbox: tuple[MailBox, Controller]) -> None:
    box, controller = mailbox
    channel = EmailChannel(
        ["ops@example.com", "lead@example.com"],
        host="127.0.0.1",
        port=controller.port,
        sender="alerts@example.com",
        options=RenderOptions(language="ru"),
    )
    sent = notification(record(severity="critical"))
    await channel.send(sent)
    [message] = box.messages
    assert box.envelopes == [("alerts@example.com", ["ops@example.com", "lead@example.com"])]
    assert message["Subject"].startswith("[КРИТИЧНО] win_rate падение — rep r-07")
    assert message["Message-ID"] == f"<{sent.notification_id}@salespulse>"
    assert message["X-SalesPulse-Notification"] == sent.notification_id
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",)).get_content()
    assert "Факт: 5 %" in plain
    assert "<table>" in message.get_body(("html",)).get_content()


async def test_starttls_with_login_and_a_self_signed_cert(cert: tuple[Path, Path]) -> None:
    box = MailBox()
    controller = start(
        box,
        tls_context=server_tls_context(*cert),
        require_starttls=True,
        authenticator=check_login,
        auth_required=True,
    )
    try:
        channel = EmailChannel(
            ["ops@example.com"],
            host="127.0.0.1",
            port=controller.port,
            sender="alerts@example.com",
            username="alerts",
            password=PASSWORD,
            starttls=True,
            cert_bundle=str(cert[0]),
        )
        await channel.send(notification())
        assert len(box.messages) == 1
        wrong = EmailChannel(
            ["ops@example.com"],
            host="127.0.0.1",
            port=controller.port,
            sender="alerts@example.com",
            username="alerts",
            password="nope",
            starttls=True,
            cert_bundle=str(cert[0]),
        )
        with pytest.raises(PermanentDeliveryError, match="SMTPAuthenticationError"):
            await wrong.send(notification())
        untrusted = EmailChannel(
            ["ops@example.com"],
            host="127.0.0.1",
            port=controller.port,
            sender="alerts@example.com",
            starttls=True,
        )
        with pytest.raises(PermanentDeliveryError):
            await untrusted.send(notification())
    finally:
        controller.stop()


async def test_implicit_tls(cert: tuple[Path, Path]) -> None:
    box = MailBox()
    controller = start(box, ssl_context=server_tls_context(*cert))
    try:
        channel = EmailChannel(
            ["ops@example.com"],
            host="127.0.0.1",
            port=controller.port,
            sender="alerts@example.com",
            use_tls=True,
            cert_bundle=str(cert[0]),
        )
        await channel.send(notification())
        assert len(box.messages) == 1
    finally:
        controller.stop()


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ("550 5.1.1 no such user", PermanentDeliveryError),
        ("451 4.3.0 try again later", RetryableDeliveryError),
    ],
)
async def test_refused_recipients_are_classified(reply: str, error: type[Exception]) -> None:
    box = MailBox(refuse=reply)
    controller = start(box)
    try:
        channel = EmailChannel(
            ["ops@example.com"], host="127.0.0.1", port=controller.port, sender="alerts@example.com"
        )
        with pytest.raises(error):
            await channel.send(notification())
    finally:
        controller.stop()


async def test_no_server_is_retryable() -> None:
    channel = EmailChannel(
        ["ops@example.com"],
        host="127.0.0.1",
        port=free_port(),
        sender="alerts@example.com",
        timeout=2,
    )
    with pytest.raises(RetryableDeliveryError) as info:
        await channel.send(notification())
    assert info.value.target == f"smtp://127.0.0.1:{channel.port}"


def test_bad_construction_is_refused() -> None:
    with pytest.raises(ValueError, match="recipient"):
        EmailChannel([], host="h", sender="s@example.com")
    with pytest.raises(ValueError, match="not both"):
        EmailChannel(
            ["a@example.com"], host="h", sender="s@example.com", starttls=True, use_tls=True
        )
