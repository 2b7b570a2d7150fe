"""E-mail over SMTP with aiosmtplib: implicit TLS or STARTTLS, optional login.

Errors are classified as for HTTP: SMTP 4xx replies, dropped connections and timeouts are
retryable; 5xx replies (rejected login, refused recipients), missing server features and
TLS certificate failures are permanent. The password never appears in a message or repr.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Sequence
from typing import ClassVar

import aiosmtplib
from pydantic import SecretStr

from alerts.exceptions import DeliveryError, PermanentDeliveryError, RetryableDeliveryError
from alerts.notification import Notification
from alerts.redact import scrub
from alerts.render.email import build_email
from alerts.render.links import RenderOptions

__all__ = ["EmailChannel", "classify_smtp_error"]

log = logging.getLogger(__name__)


def classify_smtp_error(exc: Exception, target: str, secrets: Sequence[str]) -> DeliveryError:
    """The delivery error for an aiosmtplib or socket failure."""
    reason = f"{type(exc).__name__}: {scrub(str(exc), secrets)}"
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in exc.recipients]
        temporary = bool(codes) and all(400 <= code < 500 for code in codes)
        error_type: type[DeliveryError] = (
            RetryableDeliveryError if temporary else PermanentDeliveryError
        )
        return error_type("email", target, reason)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        temporary = 400 <= exc.code < 500
        error_type = RetryableDeliveryError if temporary else PermanentDeliveryError
        return error_type("email", target, reason, status=exc.code)
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return PermanentDeliveryError("email", target, reason)
    if isinstance(exc, ConnectionError | TimeoutError | OSError):
        return RetryableDeliveryError("email", target, reason)
    return PermanentDeliveryError("email", target, reason)


class EmailChannel:
    """One SMTP receiver list; the SMTP settings come from the settings tree as plain args."""

    kind: ClassVar[str] = "email"

    def __init__(
        self,
        to: Sequence[str],
        *,
        host: str,
        sender: str,
        port: int = 25,
        username: str | None = None,
        password: SecretStr | str | None = None,
        starttls: bool = False,
        use_tls: bool = False,
        validate_certs: bool = True,
        cert_bundle: str | None = None,
        timeout: float = 10.0,
        options: RenderOptions | None = None,
    ) -> None:
        if not to:
            raise ValueError("an email channel needs at least one recipient")
        if starttls and use_tls:
            raise ValueError("choose STARTTLS or implicit TLS (use_tls), not both")
        self.to = list(to)
        self.host, self.port, self.sender = host, port, sender
        self.username = username
        self._password = SecretStr(password) if isinstance(password, str) else password
        self.starttls, self.use_tls = starttls, use_tls
        self.validate_certs, self.cert_bundle = validate_certs, cert_bundle
        self.timeout = timeout
        self.options = options or RenderOptions()

    @property
    def target(self) -> str:
        scheme = "smtps" if self.use_tls else "smtp"
        return f"{scheme}://{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"EmailChannel(target={self.target!r}, to={self.to!r})"

    async def send(self, notification: Notification) -> None:
        message = build_email(notification, self.options, self.sender, self.to)
        password = self._password.get_secret_value() if self._password else None
        try:
            await aiosmtplib.send(
                message.as_bytes(),  # flattened by its own policy: aiosmtplib's would refold
                sender=self.sender,
                recipients=self.to,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=password,
                use_tls=self.use_tls,
                start_tls=self.starttls,
                validate_certs=self.validate_certs,
                cert_bundle=self.cert_bundle,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise classify_smtp_error(exc, self.target, [password or ""]) from None
        log.info(
            "email notification %s sent via %s", notification.notification_id[:12], self.target
        )
