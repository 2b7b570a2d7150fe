"""Builders shared by the security tests: an anomaly record, a JSON API call, a leak scan."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from alerts.api import AlertingState, handle
from tests.support.anomalies import NOW, anomaly

__all__ = ["NOW", "anomaly", "call", "leaks"]


def call(
    state: AlertingState,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """``handle`` with a JSON body (bytes pass through); the answer must be JSON-able."""
    raw = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
    status, payload = handle(method, path, query or {}, headers or {}, raw, state)
    json.dumps(payload)
    return status, payload


def leaks(secrets: Iterable[str], **texts: str) -> list[tuple[str, str]]:
    """(secret, where) for every secret found in any of the named texts."""
    return [
        (secret, where) for where, text in texts.items() for secret in secrets if secret in text
    ]
