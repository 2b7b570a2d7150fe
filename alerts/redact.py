"""Keep webhook URLs and SMTP passwords out of messages, reprs and log lines.

A Slack incoming-webhook URL *is* the credential, so only its scheme and host are shown
(Alertmanager's ``secret_url``). ``scrub`` removes any known secret from free text, and
``install_httpx_log_redaction`` rewrites the request line httpx logs at INFO.

>>> redact_url("https://hooks.slack.com/services/T0/B0/XYZ")
'https://hooks.slack.com/<redacted>'
>>> scrub("POST https://h.example/x?token=abc failed"), scrub("bad login pa55", ["pa55"])
('POST https://h.example/<redacted> failed', 'bad login <redacted>')
>>> scrub("no route for /services/T0/B0/XYZ", secret_parts("https://h.example/services/T0/B0/XYZ"))
'no route for <redacted>'
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

__all__ = ["REDACTED", "install_httpx_log_redaction", "redact_url", "scrub", "secret_parts"]

REDACTED = "<redacted>"
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s'\"<>]+")


def redact_url(url: object) -> str:
    """``scheme://host[:port]/<redacted>``; anything unparsable becomes ``<redacted>``."""
    try:
        parts = urlsplit(str(url))
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return REDACTED
    if not parts.scheme or not host:
        return REDACTED
    return f"{parts.scheme}://{host}{port}/{REDACTED}"


def secret_parts(url: str) -> list[str]:
    """The URL and the pieces a server may echo back: path, query, password, long segments."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return [url]
    pieces = [url, parts.path if len(parts.path) > 1 else "", parts.query, password or ""]
    pieces += [seg for seg in re.split(r"[/?&=]", f"{parts.path}?{parts.query}") if len(seg) >= 8]
    return [piece for piece in pieces if piece]


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Replace each secret (longest first), then redact any URL still in ``text``."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return _URL.sub(lambda match: redact_url(match.group(0)), text)


class _RedactUrls(logging.Filter):
    """Rewrites URL arguments of httpx's ``HTTP Request: POST <url> ...`` log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(arg) for arg in record.args)
        record.msg = scrub(str(record.msg)) if isinstance(record.msg, str) else record.msg
        return True


def _clean(arg: object) -> object:
    if isinstance(arg, int | float):
        return arg
    text = str(arg)
    return scrub(text) if "://" in text else arg


_FILTER = _RedactUrls()


def install_httpx_log_redaction() -> None:
    """Idempotent: add the URL-redacting filter to the ``httpx`` and ``httpcore`` loggers."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
