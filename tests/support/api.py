"""Call the framework-independent alerting API in-process, as the HTTP layer does."""

from __future__ import annotations

import json
from typing import Any

from alerts.api import AlertingState, handle


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
