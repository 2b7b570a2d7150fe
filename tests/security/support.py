"""Builders shared by the security tests: an anomaly record, a JSON API call, a leak scan."""

from __future__ import annotations

from collections.abc import Iterable

from tests.support.anomalies import NOW, anomaly
from tests.support.api import call

__all__ = ["NOW", "anomaly", "call", "leaks"]


def leaks(secrets: Iterable[str], **texts: str) -> list[tuple[str, str]]:
    """(secret, where) for every secret found in any of the named texts."""
    return [
        (secret, where) for where, text in texts.items() for secret in secrets if secret in text
    ]
