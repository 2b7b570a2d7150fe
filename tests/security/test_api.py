"""The alerting HTTP API under hostile requests: auth, limits, malformed bodies, CORS.

Fast tests call the framework-free ``alerts.api.routes.handle``; the live ones send the
same requests to a real worker, whose web server adds its own layer (aiohttp via faust).
"""

from __future__ import annotations

import hmac
import inspect
import json
import socket
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from alerts.api import AlertingState
from alerts.api import http as api_http
from alerts.lifecycle import AlertBook
from alerts.silences import Silences
from alerts.stores import SubscriptionStore
from salespulse.settings import Settings
from tests.security.support import NOW, anomaly, call
from tests.support.kafka import isolated, worker_process

TOKEN = "api-token-4c1d9e7a0b"  # noqa: S105 - a throwaway token for the local API
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SUB = {
    "id": "sales-east",
    "name": "East",
    "owner": "ops",
    "channel": {"type": "slack", "webhook_url": "https://hooks.slack.com/services/T0/B0/abc"},
    "matchers": ["team=t-east"],
}
SILENCE = {
    "matchers": ["rep=r-1"],
    "starts_at": "2026-03-01T00:00:00Z",
    "ends_at": "2026-03-09T00:00:00Z",
    "created_by": "ops",
    "comment": "known",
}
MUTATIONS = [
    ("POST", "/api/subscriptions", SUB),
    ("DELETE", "/api/subscriptions/sales-east", None),
    ("POST", "/api/silences", SILENCE),
    ("DELETE", "/api/silences/abc123", None),
]
READS = ["/alerts", "/api/subscriptions", "/api/silences"]
WRONG = [
    {},
    {"Authorization": ""},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer "},
    {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": TOKEN},
    {"Authorization": f"Bearer {TOKEN[:-1]}"},
    {"Authorization": f"Bearer {TOKEN}x"},
    {"Authorization": f"Bearer {TOKEN.upper()}"},
    {"Authorization": f"Bearer {TOKEN}\x00"},
    {"Authorization": "Bearer tökén"},
    {"X-Api-Token": TOKEN},
]


@pytest.fixture
def state() -> AlertingState:
    book = AlertBook()
    book.apply(anomaly("r-1"), NOW)
    return AlertingState(
        book, Silences(), SubscriptionStore(), token=SecretStr(TOKEN), clock=lambda: NOW
    )


def _mutation_id(m: tuple[str, str, Any]) -> str:
    return f"{m[0]} {m[1]}"


@pytest.mark.parametrize("mutation", MUTATIONS, ids=_mutation_id)
def test_every_mutation_needs_the_right_bearer_token(
    state: AlertingState, mutation: tuple[str, str, Any]
) -> None:
    method, path, body = mutation
    for headers in WRONG:
        status, answer = call(state, method, path, body, headers)
        assert status == 401, (headers, status, answer)
        assert answer == {"error": "unauthorized", "detail": "missing or wrong bearer token"}
    status, answer = call(state, method, path, body, AUTH)
    assert status in (200, 201, 404), answer  # 404: nothing by that id to delete


@pytest.mark.parametrize("token", [None, SecretStr("")], ids=["unset", "empty"])
@pytest.mark.parametrize("mutation", MUTATIONS, ids=_mutation_id)
def test_without_a_configured_token_every_mutation_is_forbidden(
    state: AlertingState, mutation: tuple[str, str, Any], token: SecretStr | None
) -> None:
    state.token = token
    method, path, body = mutation
    for headers in (AUTH, {}, {"Authorization": "Bearer "}):
        status, answer = call(state, method, path, body, headers)
        assert status == 403 and answer["error"] == "forbidden", answer
    for path in READS:
        assert call(state, "GET", path)[0] == 200


def test_the_forbidden_hint_names_the_real_variable(state: AlertingState) -> None:
    state.token = None
    status, answer = call(state, "POST", "/api/silences", SILENCE, AUTH)
    assert status == 403 and "SALESPULSE_ALERTS__API_TOKEN" in answer["detail"]


def test_the_token_is_compared_in_constant_time(
    state: AlertingState, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(api_http.hmac, "compare_digest", spy)
    assert (
        call(state, "POST", "/api/silences", SILENCE, {"Authorization": "Bearer guess"})[0] == 401
    )
    assert call(state, "POST", "/api/silences", SILENCE, AUTH)[0] == 201
    assert seen == [(b"guess", TOKEN.encode()), (TOKEN.encode(), TOKEN.encode())]
    source = inspect.getsource(api_http.check_auth)
    assert "compare_digest" in source
    assert "== expected" not in source and "expected ==" not in source and "given ==" not in source


def test_a_wrong_token_is_never_echoed(state: AlertingState) -> None:
    guess = "guess-9d1f0c" + TOKEN[-4:]
    for method, path, body in MUTATIONS:
        _, answer = call(state, method, path, body, {"Authorization": f"Bearer {guess}"})
        assert guess not in json.dumps(answer) and TOKEN not in json.dumps(answer)


@pytest.mark.parametrize("path", ["/api/subscriptions", "/api/silences"])
def test_oversized_bodies_are_413(state: AlertingState, path: str) -> None:
    state.max_body_bytes = 1024
    for body in (b"x" * 1025, b"{" + b" " * 5000 + b"}", json.dumps({"pad": "y" * 10**6}).encode()):
        status, answer = call(state, "POST", path, body, AUTH)
        assert status == 413 and answer["error"] == "payload_too_large", answer
    assert call(state, "POST", path, b"x" * 1024, AUTH)[0] == 400, "at the limit: parsed"


@pytest.mark.parametrize(
    "body",
    [b"{nope", b"\xff\xfe{}", b"", b"   \n", b'{"a": 1', b'{"a": 1}}', b"{'a': 1}", b"\x00"],
    ids=["truncated", "not-utf8", "empty", "blank", "unclosed", "trailing", "quotes", "nul"],
)
@pytest.mark.parametrize("path", ["/api/subscriptions", "/api/silences"])
def test_bad_json_is_400(state: AlertingState, path: str, body: bytes) -> None:
    status, answer = call(state, "POST", path, body, AUTH)
    assert status == 400 and answer["error"] == "bad_request", answer


@pytest.mark.parametrize("path", ["/api/subscriptions", "/api/silences"])
def test_deeply_nested_json_is_400(state: AlertingState, path: str) -> None:
    body = b"[" * 20_000 + b"]" * 20_000
    status, answer = call(state, "POST", path, body, AUTH)
    assert status == 400 and answer["error"] == "bad_request", answer


INVALID = [
    ("/api/subscriptions", [SUB], {"(body)"}),
    ("/api/subscriptions", {**SUB, "colour": "red"}, {"colour"}),
    ("/api/subscriptions", {**SUB, "group_wait": "soon"}, {"group_wait"}),
    ("/api/subscriptions", {**SUB, "group_wait": [1]}, {"group_wait"}),
    ("/api/subscriptions", {**SUB, "min_severity": 3}, {"min_severity"}),
    ("/api/subscriptions", {**SUB, "id": "a/../b"}, {"id"}),
    ("/api/subscriptions", {**SUB, "name": "x" * 201}, {"name"}),
    (
        "/api/subscriptions",
        {**SUB, "channel": {**SUB["channel"], "colour": "red"}},
        {"channel.slack.colour"},
    ),
    ("/api/subscriptions", {**SUB, "channel": {"type": "pigeon"}}, {"channel"}),
    ("/api/subscriptions", {**SUB, "matchers": [{"name": 1}]}, {"matchers.0.name"}),
    ("/api/silences", {**SILENCE, "colour": "red"}, {"colour"}),
    ("/api/silences", {**SILENCE, "ends_at": "tomorrow"}, {"ends_at"}),
    ("/api/silences", {**SILENCE, "ends_at": "2026-03-09T00:00:00"}, {"ends_at"}),
    ("/api/silences", {**SILENCE, "comment": None}, {"comment"}),
    ("/api/silences", {**SILENCE, "ends_at": "2026-02-01T00:00:00Z"}, {"(body)"}),
    ("/api/silences", "a string", {"(body)"}),
]


def _invalid_id(case: tuple[str, Any, set[str]]) -> str:
    path, _, locs = case
    return f"{path.rsplit('/', 1)[1]}:{'+'.join(sorted(locs))}"


@pytest.mark.parametrize(("path", "body", "locs"), INVALID, ids=[_invalid_id(c) for c in INVALID])
def test_wrong_types_and_unknown_fields_are_422_with_field_paths(
    state: AlertingState, path: str, body: Any, locs: set[str]
) -> None:
    status, answer = call(state, "POST", path, body, AUTH)
    assert status == 422 and answer["error"] == "validation_error", answer
    found = {error["loc"] for error in answer["detail"]}
    assert locs <= found, (locs, found)
    assert all(set(error) == {"loc", "msg"} for error in answer["detail"])


@pytest.mark.parametrize(
    ("path", "query", "loc"),
    [
        ("/alerts", {"colour": "red"}, "query.colour"),
        ("/alerts", {"limit": "1e9"}, "query.limit"),
        ("/alerts", {"limit": "100000"}, "query.limit"),
        ("/alerts", {"since": "2026-03-01T00:00:00"}, "query.since"),
        ("/api/silences", {"state": "gone"}, "query.state"),
    ],
)
def test_bad_queries_are_422_with_field_paths(
    state: AlertingState, path: str, query: dict[str, str], loc: str
) -> None:
    status, answer = call(state, "GET", path, query=query)
    assert status == 422 and [e["loc"] for e in answer["detail"]] == [loc], answer


@pytest.mark.parametrize("path", READS)
def test_protect_reads_makes_get_need_the_token(state: AlertingState, path: str) -> None:
    assert call(state, "GET", path)[0] == 200, "reads are open by default"
    state.protect_reads = True
    for headers in WRONG:
        status, answer = call(state, "GET", path, headers=headers)
        assert status == 401 and answer["error"] == "unauthorized", (headers, answer)
    assert call(state, "GET", path, headers=AUTH)[0] == 200
    state.token = None
    assert call(state, "GET", path, headers=AUTH)[0] == 403, "protected and no token: closed"


def test_unknown_paths_and_methods_answer_json(state: AlertingState) -> None:
    assert call(state, "PUT", "/api/silences", SILENCE, AUTH)[0] == 405
    assert call(state, "PATCH", "/alerts")[0] == 405
    assert call(state, "DELETE", "/api/silences/../../etc", None, AUTH)[0] == 404
    assert call(state, "DELETE", "/api/silences/" + "a" * 65, None, AUTH)[0] == 404
    assert call(state, "GET", "/api/secrets")[0] == 404


# ------------------------------------------------------------ live, real broker


@pytest.fixture(scope="module")
def api(kafka: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp = tmp_path_factory.mktemp("api")
    settings = isolated(kafka, tmp)
    alerts = settings.alerts.model_copy(
        update={"api_token": SecretStr(TOKEN), "max_body_bytes": 4096}
    )
    settings = settings.model_copy(update={"alerts": alerts})
    log = tmp / "worker.log"
    with worker_process(settings, log) as proc:
        yield SimpleNamespace(
            url=f"http://127.0.0.1:{settings.worker.web_port}",
            proc=proc,
            log=log,
            port=settings.worker.web_port,
        )


def _no_cors(response: httpx.Response) -> None:
    found = [name for name in response.headers if name.lower().startswith("access-control-")]
    assert not found, (response.request.method, response.request.url, found)


@pytest.mark.kafka
def test_the_live_api_refuses_what_handle_refuses(api: Any) -> None:
    origin = {"Origin": "https://evil.example"}
    with httpx.Client(base_url=api.url, timeout=10) as client:
        for method, path, body in MUTATIONS:
            for headers in ({}, {"Authorization": "Bearer wrong"}):
                answer = client.request(method, path, json=body, headers={**headers, **origin})
                assert answer.status_code == 401, (method, path, answer.text)
                assert answer.headers["content-type"].startswith("application/json")
                assert answer.json()["error"] == "unauthorized"
                _no_cors(answer)
        big = client.post("/api/silences", content=b"x" * 5000, headers=AUTH)
        assert big.status_code == 413 and big.json()["error"] == "payload_too_large"
        huge = client.post("/api/subscriptions", content=b"{" * (2 * 1024 * 1024), headers=AUTH)
        assert huge.status_code == 413 and huge.json()["error"] == "payload_too_large"
        bad = client.post("/api/subscriptions", content=b"{nope", headers=AUTH)
        assert bad.status_code == 400 and bad.json()["error"] == "bad_request"
        typed = client.post("/api/subscriptions", json={**SUB, "group_wait": [1]}, headers=AUTH)
        assert typed.status_code == 422
        assert {e["loc"] for e in typed.json()["detail"]} == {"group_wait"}
        for path in READS:
            read = client.get(path, headers=origin)
            assert read.status_code == 200
            _no_cors(read)
        preflight = client.options(
            "/api/subscriptions",
            headers={**origin, "Access-Control-Request-Method": "POST"},
        )
        _no_cors(preflight)
        created = client.post("/api/silences", json=SILENCE, headers={**AUTH, **origin})
        assert created.status_code == 201, created.text
        _no_cors(created)
    assert api.proc.poll() is None


@pytest.mark.kafka
def test_an_oversized_body_is_refused_before_it_is_read(api: Any) -> None:
    head = (
        "POST /api/subscriptions HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{api.port}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {10**9}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", api.port), timeout=3) as sock:
        sock.sendall(head + b"{" * 8192)
        try:
            reply = sock.recv(4096)
        except TimeoutError:
            reply = b""
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
