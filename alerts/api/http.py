"""Request plumbing for the alerting API, independent of any web framework.

The worker's HTTP server hands over method, path, query, headers and body bytes; these
helpers check the bearer token (``hmac.compare_digest``), the body size, parse JSON and
turn pydantic errors into ``422`` answers with field paths. Every error is
``{"error": <code>, "detail": <text or list>}``.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr, ValidationError

from alerts.config import describe_errors
from alerts.lifecycle import AlertBook
from alerts.silences import Silences
from alerts.stores import SubscriptionStore

__all__ = ["ApiError", "ApiRequest", "ApiResponse", "AlertingState", "check_auth", "json_object"]

ApiResponse = tuple[int, dict[str, Any]]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AlertingState:
    """What the handlers read and change; ``token`` None disables every mutation."""

    book: AlertBook
    silences: Silences
    subscriptions: SubscriptionStore
    token: SecretStr | None = None
    protect_reads: bool = False
    max_body_bytes: int = 64 * 1024
    clock: Callable[[], datetime] = field(default=_utc_now)


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes


class ApiError(Exception):
    """An answer other than success; ``handle`` turns it into the JSON error body."""

    def __init__(self, status: int, error: str, detail: object) -> None:
        super().__init__(f"{status} {error}")
        self.status = status
        self.error = error
        self.detail = detail

    def response(self) -> ApiResponse:
        return self.status, {"error": self.error, "detail": self.detail}

    @classmethod
    def invalid(cls, exc: ValidationError, where: str = "") -> ApiError:
        errors = describe_errors(exc)
        if where:
            errors = [{"loc": f"{where}.{e['loc']}", "msg": e["msg"]} for e in errors]
        return cls(422, "validation_error", errors)


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def check_auth(headers: Mapping[str, str], state: AlertingState) -> None:
    """Require ``Authorization: Bearer <token>`` matching the configured token."""
    if state.token is None or not state.token.get_secret_value():
        raise ApiError(403, "forbidden", "no API token configured (SALESPULSE_ALERTS__API_TOKEN)")
    scheme, _, given = headers.get("authorization", "").partition(" ")
    expected = state.token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise ApiError(401, "unauthorized", "missing or wrong bearer token")


def check_size(body: bytes, state: AlertingState) -> None:
    if len(body) > state.max_body_bytes:
        raise ApiError(413, "payload_too_large", f"body over {state.max_body_bytes} bytes")


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or 400 (not JSON) / 422 (JSON but not an object)."""
    if not body.strip():
        raise ApiError(400, "bad_request", "empty body; send a JSON object")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "bad_request", f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ApiError(400, "bad_request", "body is nested too deeply") from None
    if not isinstance(data, dict):
        detail = [{"loc": "(body)", "msg": "must be a JSON object"}]
        raise ApiError(422, "validation_error", detail)
    return data
