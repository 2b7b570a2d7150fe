"""The framework-independent API handlers: auth, limits, errors, happy paths."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from alerts.api import AlertingState
from alerts.lifecycle import AlertBook
from alerts.silences import Silences
from alerts.stores import SubscriptionStore
from tests.alerts.factories import SLACK_URL, T0, record
from tests.support.api import call as api_call

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SUB = {
    "id": "sales-ops",
    "name": "Sales ops",
    "owner": "ops@example.com",
    "channel": {"type": "slack", "webhook_url": SLACK_URL},
    "matchers": ["team=t-2"],
}


@pytest.fixture
def state() -> AlertingState:
    book = AlertBook()
    book.apply(record(key="r-07", severity="critical"), T0)
    book.apply(record(key="r-08", status="resolved", day=1), T0)
    return AlertingState(
        book, Silences(), SubscriptionStore(), token=SecretStr(TOKEN), clock=lambda: T0
    )


def call(
    state: AlertingState,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """``tests.support.api.call``, authenticated unless other headers are given."""
    return api_call(state, method, path, body, AUTH if headers is None else headers, query)


def test_get_alerts_with_filters(state: AlertingState) -> None:
    status, body = call(state, "GET", "/alerts")
    assert status == 200 and body["count"] == 2
    status, body = call(state, "GET", "/alerts", query={"status": "firing", "severity": "critical"})
    assert [a["labels"]["key"] for a in body["alerts"]] == ["r-07"]
    status, body = call(state, "GET", "/alerts", query={"since": "2024-03-02T00:00:00Z"})
    assert [a["labels"]["key"] for a in body["alerts"]] == ["r-08"]
    status, body = call(state, "GET", "/alerts", query={"limit": "1"}, headers={})
    assert status == 200 and body["count"] == 1


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ({"limit": "0"}, "query.limit"),
        ({"status": "open"}, "query.status"),
        ({"since": "yesterday"}, "query.since"),
        ({"colour": "red"}, "query.colour"),
    ],
)
def test_bad_alert_queries_are_422(state: AlertingState, query: dict, loc: str) -> None:
    status, body = call(state, "GET", "/alerts", query=query)
    assert status == 422 and body["error"] == "validation_error"
    assert [e["loc"] for e in body["detail"]] == [loc]


def test_mutations_need_the_token(state: AlertingState) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},
        {"authorization": f"Basic {TOKEN}"},
    ):
        status, body = call(state, "POST", "/api/subscriptions", SUB, headers=headers)
        assert status == 401 and body == {
            "error": "unauthorized",
            "detail": "missing or wrong bearer token",
        }
    assert call(state, "DELETE", "/api/silences/abc", headers={})[0] == 401
    status, _ = call(
        state, "POST", "/api/subscriptions", SUB, headers={"AUTHORIZATION": f"bearer {TOKEN}"}
    )
    assert status == 201


def test_no_configured_token_disables_mutations(state: AlertingState) -> None:
    state.token = None
    status, body = call(state, "POST", "/api/subscriptions", SUB)
    assert status == 403 and "SALESPULSE_ALERTS__API_TOKEN" in body["detail"]


def test_protected_reads(state: AlertingState) -> None:
    state.protect_reads = True
    assert call(state, "GET", "/alerts", headers={})[0] == 401
    assert call(state, "GET", "/alerts")[0] == 200


def test_body_limit_bad_json_and_non_objects(state: AlertingState) -> None:
    state.max_body_bytes = 1024
    status, body = call(state, "POST", "/api/subscriptions", b"x" * 1025)
    assert status == 413 and body["error"] == "payload_too_large"
    status, body = call(state, "POST", "/api/subscriptions", b"{not json")
    assert status == 400 and body["error"] == "bad_request"
    assert call(state, "POST", "/api/subscriptions", b"")[0] == 400
    assert call(state, "POST", "/api/subscriptions", b"\xff\xfe")[0] == 400
    status, body = call(state, "POST", "/api/subscriptions", [1, 2])
    assert status == 422 and body["detail"] == [{"loc": "(body)", "msg": "must be a JSON object"}]


def test_validation_errors_have_field_paths_and_no_secrets(state: AlertingState) -> None:
    bad = {
        **SUB,
        "channel": {"type": "slack", "webhook_url": "http://h.example/SECRET"},
        "matchers": ["teem=x"],
    }
    del bad["owner"]
    status, body = call(state, "POST", "/api/subscriptions", bad)
    assert status == 422
    locs = {e["loc"] for e in body["detail"]}
    assert locs == {"owner", "channel.slack.webhook_url", "matchers.0.name"}
    assert "SECRET" not in json.dumps(body)


def test_subscription_create_list_replace_delete(state: AlertingState) -> None:
    status, body = call(state, "POST", "/api/subscriptions", SUB)
    assert status == 201
    assert body["subscription"]["channel"]["webhook_url"] == "https://hooks.slack.com/<redacted>"
    assert call(state, "POST", "/api/subscriptions", {**SUB, "name": "Renamed"})[0] == 200
    status, body = call(state, "GET", "/api/subscriptions")
    assert status == 200 and [s["name"] for s in body["subscriptions"]] == ["Renamed"]
    assert "SECRET" not in json.dumps(body)
    assert call(state, "DELETE", "/api/subscriptions/sales-ops") == (200, {"deleted": "sales-ops"})
    status, body = call(state, "DELETE", "/api/subscriptions/sales-ops")
    assert status == 404 and body["error"] == "not_found"
    assert [c.value is None for c in state.subscriptions.changes()] == [False, False, True]


def test_silence_create_list_expire(state: AlertingState) -> None:
    new = {
        "matchers": ["kpi=win_rate"],
        "ends_at": (T0 + timedelta(hours=2)).isoformat(),
        "created_by": "ops",
        "comment": "deploy",
    }
    status, body = call(state, "POST", "/api/silences", new)
    assert status == 201
    made = body["silence"]
    assert made["state"] == "active" and made["starts_at"] == "2024-03-04T09:00:00Z"
    assert made["matchers"] == ['kpi="win_rate"']
    status, body = call(state, "GET", "/api/silences", query={"state": "active"})
    assert [s["id"] for s in body["silences"]] == [made["id"]]
    status, body = call(state, "DELETE", f"/api/silences/{made['id']}")
    assert status == 200 and body["silence"]["state"] == "expired"
    assert call(state, "GET", "/api/silences", query={"state": "active"})[1]["count"] == 0
    assert call(state, "DELETE", "/api/silences/unknown")[0] == 404
    status, body = call(state, "POST", "/api/silences", {**new, "ends_at": "2024-03-04T08:00:00Z"})
    assert status == 422 and "ends_at must be after starts_at" in body["detail"][0]["msg"]


def test_unknown_paths_and_methods(state: AlertingState) -> None:
    assert call(state, "GET", "/nope") == (
        404,
        {"error": "not_found", "detail": "no endpoint /nope"},
    )
    status, body = call(state, "PUT", "/api/silences")
    assert status == 405 and body["detail"] == "use GET, POST"
    assert call(state, "GET", "/alerts/")[0] == 200


def test_an_unexpected_failure_is_a_json_500(state: AlertingState, caplog) -> None:
    def boom() -> None:
        raise RuntimeError("bug")

    state.clock = boom  # type: ignore[assignment]
    status, body = call(state, "GET", "/api/silences")
    assert status == 500 and body["error"] == "internal"
