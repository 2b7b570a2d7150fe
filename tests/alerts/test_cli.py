"""``silence`` and ``subscribe`` commands against the API served by a real local server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import orjson
import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from alerts.api import AlertingState, handle
from alerts.cli import silence, subscribe
from alerts.lifecycle import AlertBook
from alerts.silences import Silences
from alerts.stores import SubscriptionStore
from tests.alerts.channels.servers import free_port
from tests.alerts.factories import SLACK_URL

TOKEN = "cli-token"


def serve(state: AlertingState) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            status, payload = handle(
                self.command,
                parts.path,
                dict(parse_qsl(parts.query)),
                dict(self.headers),
                body,
                state,
            )
            data = orjson.dumps(payload)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _any

        def log_message(self, *args: object) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture
def api() -> Iterator[tuple[str, AlertingState]]:
    state = AlertingState(AlertBook(), Silences(), SubscriptionStore(), token=SecretStr(TOKEN))
    server = serve(state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", state
    server.shutdown()
    server.server_close()


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SALESPULSE_ALERTS__API_TOKEN", TOKEN)
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def test_silence_add_list_expire(api: tuple[str, AlertingState], runner: CliRunner) -> None:
    url, state = api
    made = runner.invoke(
        silence,
        [
            "add",
            "--url",
            url,
            "-m",
            "kpi=win_rate",
            "-m",
            "team=~t-.*",
            "--duration",
            "90m",
            "--comment",
            "deploy",
            "--author",
            "ann",
        ],
    )
    assert made.exit_code == 0, made.output
    [item] = state.silences.list(state.clock())
    assert made.output.startswith(f"silence {item.id} active until")
    assert (item.ends_at - item.starts_at).total_seconds() == pytest.approx(5400, abs=1)
    listed = runner.invoke(silence, ["list", "--url", url, "--state", "active"])
    assert listed.exit_code == 0 and item.id in listed.output and "deploy" in listed.output
    expired = runner.invoke(silence, ["expire", "--url", url, item.id])
    assert expired.exit_code == 0
    assert state.silences.list(state.clock(), "active") == []


def test_subscribe_add_list_remove(api: tuple[str, AlertingState], runner: CliRunner) -> None:
    url, state = api
    made = runner.invoke(
        subscribe,
        [
            "add",
            "--url",
            url,
            "--name",
            "Sales ops",
            "--owner",
            "ann",
            "--slack-webhook",
            SLACK_URL,
            "-m",
            "team=t-2",
            "--min-severity",
            "critical",
            "--group-by",
            "team",
            "--group-wait",
            "10s",
            "--renotify-change",
            "0.25",
            "--quiet-hours",
            "22:00-07:00",
            "--timezone",
            "Europe/Minsk",
            "--language",
            "ru",
        ],
    )
    assert made.exit_code == 0, made.output
    [sub] = state.subscriptions.list()
    assert (sub.min_severity, sub.group_by, sub.group_wait, sub.language) == (
        "critical",
        ("team",),
        10,
        "ru",
    )
    assert sub.quiet_hours is not None and sub.quiet_hours.timezone == "Europe/Minsk"
    assert sub.renotify_change == 0.25
    listed = runner.invoke(subscribe, ["list", "--url", url])
    assert listed.exit_code == 0 and sub.id in listed.output
    assert "SECRET" not in listed.output and "hooks.slack.com" in listed.output
    removed = runner.invoke(subscribe, ["remove", "--url", url, sub.id])
    assert removed.exit_code == 0 and len(state.subscriptions) == 0


def test_server_errors_exit_non_zero_with_the_message(
    api: tuple[str, AlertingState], runner: CliRunner
) -> None:
    url, _ = api
    gone = runner.invoke(subscribe, ["remove", "--url", url, "nope"])
    assert (
        gone.exit_code == 1 and "HTTP 404 not_found: no subscription with id 'nope'" in gone.output
    )
    bad = runner.invoke(subscribe, ["add", "--url", url, "--name", "x", "--email", "not-an-email"])
    assert bad.exit_code == 1 and "channel.email.to.0" in bad.output
    denied = runner.invoke(silence, ["expire", "--url", url, "--token", "wrong", "abc"])
    assert denied.exit_code == 1 and "HTTP 401 unauthorized" in denied.output


def test_usage_errors(api: tuple[str, AlertingState], runner: CliRunner) -> None:
    url, _ = api
    both = runner.invoke(
        subscribe,
        [
            "add",
            "--url",
            url,
            "--name",
            "x",
            "--email",
            "a@b.co",
            "--webhook",
            "https://h.example/x",
        ],
    )
    assert both.exit_code == 2 and "exactly one of" in both.output
    quiet = runner.invoke(
        subscribe,
        ["add", "--url", url, "--name", "x", "--email", "a@b.co", "--quiet-hours", "22:00"],
    )
    assert quiet.exit_code == 2 and "HH:MM-HH:MM" in quiet.output
    duration = runner.invoke(
        silence, ["add", "--url", url, "-m", "kpi=x", "--comment", "c", "--duration", "soon"]
    )
    assert duration.exit_code == 2 and "bad duration" in duration.output


def test_unreachable_worker(runner: CliRunner) -> None:
    result = runner.invoke(silence, ["list", "--url", f"http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 1 and "cannot reach" in result.output
