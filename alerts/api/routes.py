"""The alerting API's endpoints and the one entry point, ``handle``.

``GET /alerts``; ``GET``/``POST /api/subscriptions``, ``DELETE /api/subscriptions/{id}``;
``GET``/``POST /api/silences``, ``DELETE /api/silences/{id}`` (expires it). Mutations need
the bearer token; reads too when ``protect_reads`` is set. Subscriptions come back with
their URLs redacted to scheme and host.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from alerts.api.http import (
    AlertingState,
    ApiError,
    ApiRequest,
    ApiResponse,
    check_auth,
    check_size,
    json_object,
    lower_headers,
)
from alerts.config import Silence, Subscription
from alerts.exceptions import NotFoundError
from alerts.timeutil import to_iso
from detectors.record import Severity, Status

__all__ = ["ROUTES", "handle"]

log = logging.getLogger(__name__)
Handler = Callable[[ApiRequest, AlertingState], ApiResponse]


class AlertQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    kpi: str | None = None
    dimension: str | None = None
    key: str | None = None
    severity: Severity | None = None
    since: AwareDatetime | None = None
    limit: int = Field(default=100, ge=1, le=1000)


class SilenceQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: Literal["pending", "active", "expired"] | None = None


def list_alerts(request: ApiRequest, state: AlertingState) -> ApiResponse:
    try:
        query = AlertQuery.model_validate(dict(request.query))
    except ValidationError as exc:
        raise ApiError.invalid(exc, "query") from None
    found = state.book.query(**query.model_dump())
    return 200, {"alerts": [alert.to_dict() for alert in found], "count": len(found)}


def list_subscriptions(request: ApiRequest, state: AlertingState) -> ApiResponse:
    subs = [sub.model_dump(mode="json") for sub in state.subscriptions.list()]
    return 200, {"subscriptions": subs, "count": len(subs)}


def create_subscription(request: ApiRequest, state: AlertingState) -> ApiResponse:
    try:
        subscription = Subscription.model_validate(json_object(request.body))
    except ValidationError as exc:
        raise ApiError.invalid(exc) from None
    created = state.subscriptions.add(subscription)
    return (201 if created else 200), {"subscription": subscription.model_dump(mode="json")}


def delete_subscription(request: ApiRequest, state: AlertingState) -> ApiResponse:
    removed = state.subscriptions.remove(request.params["id"])
    return 200, {"deleted": removed.id}


def _silence_json(silence: Silence, state: AlertingState) -> dict[str, Any]:
    data = silence.model_dump(mode="json")
    data.update(
        starts_at=to_iso(silence.starts_at),
        ends_at=to_iso(silence.ends_at),
        matchers=[str(m) for m in silence.matchers],
        state=silence.state(state.clock()),
    )
    return data


def list_silences(request: ApiRequest, state: AlertingState) -> ApiResponse:
    try:
        query = SilenceQuery.model_validate(dict(request.query))
    except ValidationError as exc:
        raise ApiError.invalid(exc, "query") from None
    found = state.silences.list(state.clock(), query.state)
    return 200, {"silences": [_silence_json(s, state) for s in found], "count": len(found)}


def create_silence(request: ApiRequest, state: AlertingState) -> ApiResponse:
    data = json_object(request.body)
    data.setdefault("starts_at", state.clock().isoformat())
    try:
        silence = Silence.model_validate(data)
    except ValidationError as exc:
        raise ApiError.invalid(exc) from None
    created = state.silences.get(silence.id) is None
    state.silences.add(silence)
    return (201 if created else 200), {"silence": _silence_json(silence, state)}


def expire_silence(request: ApiRequest, state: AlertingState) -> ApiResponse:
    silence = state.silences.expire(request.params["id"], state.clock())
    return 200, {"silence": _silence_json(silence, state)}


_ID = r"(?P<id>[A-Za-z0-9._\-]{1,64})"
ROUTES: tuple[tuple[str, str, Handler, bool], ...] = (
    ("GET", "/alerts", list_alerts, False),
    ("GET", "/api/subscriptions", list_subscriptions, False),
    ("POST", "/api/subscriptions", create_subscription, True),
    ("DELETE", f"/api/subscriptions/{_ID}", delete_subscription, True),
    ("GET", "/api/silences", list_silences, False),
    ("POST", "/api/silences", create_silence, True),
    ("DELETE", f"/api/silences/{_ID}", expire_silence, True),
)
_COMPILED = [(m, re.compile(f"^{p}$"), h, w) for m, p, h, w in ROUTES]


def _route(method: str, path: str) -> tuple[Handler, bool, dict[str, str]]:
    allowed = []
    for route_method, pattern, handler, mutates in _COMPILED:
        found = pattern.match(path)
        if found is None:
            continue
        if route_method == method:
            return handler, mutates, found.groupdict()
        allowed.append(route_method)
    if allowed:
        raise ApiError(405, "method_not_allowed", f"use {', '.join(sorted(allowed))}")
    raise ApiError(404, "not_found", f"no endpoint {path}")


def handle(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
    state: AlertingState,
) -> ApiResponse:
    """Answer one request: ``(status, JSON-able body)``; never raises."""
    try:
        handler, mutates, params = _route(method.upper(), path.rstrip("/") or "/")
        check_size(body, state)
        lowered = lower_headers(headers)
        if mutates or state.protect_reads:
            check_auth(lowered, state)
        request = ApiRequest(method.upper(), path, params, query, lowered, body)
        return handler(request, state)
    except ApiError as error:
        return error.response()
    except NotFoundError as error:
        return 404, {"error": "not_found", "detail": str(error)}
    except Exception:
        log.exception("alerting API failed on %s %s", method, path)
        return 500, {"error": "internal", "detail": "internal error; see the worker log"}
