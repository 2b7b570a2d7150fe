"""Secrets never show up in logs, errors, metrics or API answers.

One live worker runs with an API token, an SMTP password and routing whose Slack and
webhook URLs carry unique secret paths, queries and userinfo. Every receiver fails (HTTP
500 echoing the request line; an SMTP server echoing the password it was sent), so the
error and retry paths log; then the log file, ``/metrics`` and every API answer are
scanned for each secret. The CLI's start-up errors are scanned the same way.
"""

from __future__ import annotations

import base64
import os
import socketserver
import sys
import threading
import time
import traceback
import types
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import yaml
from click.testing import CliRunner
from pydantic import SecretStr

from salespulse.cli import main
from salespulse.settings import Settings, SmtpSettings
from streams.producer import produce
from tests.security.support import anomaly, leaks
from tests.support.kafka import isolated, worker_process
from tests.support.worker_start import run_worker

RUN = uuid.uuid4().hex[:12]
TOKEN = f"apitok{RUN}Q"
SMTP_PASSWORD = f"smtppw{RUN}Z"
SLACK_PATH = f"slackpath{RUN}K"
HOOK_PASSWORD = f"hookpw{RUN}P"
HOOK_QUERY = f"hookq{RUN}T"
POSTED_PATH = f"postedpath{RUN}W"
SECRETS = (TOKEN, SMTP_PASSWORD, SLACK_PATH, HOOK_PASSWORD, HOOK_QUERY, POSTED_PATH)


# ------------------------------------------------------------------ receivers


@dataclass
class Receivers:
    http: list[tuple[str, str]] = field(default_factory=list)  # (path, authorization)
    smtp_auth: list[str] = field(default_factory=list)
    http_port: int = 0
    smtp_port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough ESMTP for a login that fails with a reply quoting the password."""

    receivers: Receivers

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def _refuse(self, credentials: str) -> None:
        self.receivers.smtp_auth.append(credentials)
        self._say(f"535 5.7.8 credentials rejected: {credentials}")

    def handle(self) -> None:
        self._say("220 fake ESMTP")
        while line := self.rfile.readline():
            words = line.decode(errors="replace").strip().split()
            verb = words[0].upper() if words else ""
            if verb in ("EHLO", "HELO"):
                self._say("250-fake\r\n250-AUTH PLAIN\r\n250 OK")
            elif verb == "AUTH" and words[1:2] == ["PLAIN"]:
                if len(words) < 3:
                    self._say("334 ")
                    words.append(self.rfile.readline().decode().strip())
                self._refuse(base64.b64decode(words[2]).replace(b"\0", b" ").decode())
            elif verb == "AUTH":
                self._say("334 VXNlcm5hbWU6")
                user = base64.b64decode(self.rfile.readline().strip()).decode()
                self._say("334 UGFzc3dvcmQ6")
                self._refuse(f"{user} {base64.b64decode(self.rfile.readline().strip()).decode()}")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            elif verb == "RSET" or verb == "NOOP":
                self._say("250 OK")
            else:
                self._say("502 not implemented")


@contextmanager
def receivers() -> Iterator[Receivers]:
    found = Receivers()

    class Echo(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            found.http.append((self.path, self.headers.get("Authorization", "")))
            body = f"no such hook {self.path} for {self.headers.get('Authorization')}".encode()
            self.send_response(500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    smtp_handler = type("Smtp", (_Smtp,), {"receivers": found})
    http = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), smtp_handler)
    smtp.daemon_threads = True
    found.http_port, found.smtp_port = http.server_address[1], smtp.server_address[1]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (http, smtp)]
    for thread in threads:
        thread.start()
    try:
        yield found
    finally:
        for server in (http, smtp):
            server.shutdown()
            server.server_close()


# ------------------------------------------------------------------ live run


def _routing(path: Path, sink: Receivers) -> None:
    common = {
        "owner": "ops",
        "matchers": [{"name": "team", "op": "=", "value": "t-east"}],
        "group_by": ["kpi", "team"],
        "group_wait": 0,
        "group_interval": 1,
        "repeat_interval": 3600,
    }
    hook = f"http://alerts:{HOOK_PASSWORD}@127.0.0.1:{sink.http_port}/hook?token={HOOK_QUERY}"
    subs = [
        {
            "id": "slack-east",
            "name": "Slack east",
            "channel": {"type": "slack", "webhook_url": f"{sink.url}/services/T0/B0/{SLACK_PATH}"},
        },
        {"id": "webhook-east", "name": "Webhook east", "channel": {"type": "webhook", "url": hook}},
        {
            "id": "email-east",
            "name": "Email east",
            "channel": {"type": "email", "to": ["ops@example.com"]},
        },
    ]
    path.write_text(yaml.safe_dump({"subscriptions": [{**s, **common} for s in subs]}))


def _settings(kafka: Settings, tmp: Path, sink: Receivers) -> Settings:
    _routing(tmp / "routing.yaml", sink)
    settings = isolated(kafka, tmp)
    smtp = SmtpSettings(
        host="127.0.0.1",
        port=sink.smtp_port,
        username="alerts",
        password=SecretStr(SMTP_PASSWORD),
        timeout=5,
    )
    alerts = settings.alerts.model_copy(
        update={
            "routing": tmp / "routing.yaml",
            "api_token": SecretStr(TOKEN),
            "smtp": smtp,
            "retry_attempts": 2,
            "retry_initial_seconds": 0.1,
            "retry_max_seconds": 0.2,
            "redeliver_seconds": 1.0,
            "tick_seconds": 0.2,
        }
    )
    worker = settings.worker.model_copy(update={"log_level": "debug"})
    return settings.model_copy(update={"alerts": alerts, "worker": worker})


def _wait(check: Any, timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(check.__doc__)
        time.sleep(0.2)


def _api_answers(api: str) -> dict[str, str]:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    posted = {
        "id": "posted",
        "name": "Posted",
        "owner": "ops",
        "channel": {"type": "webhook", "url": f"http://127.0.0.1:9/{POSTED_PATH}?k={HOOK_QUERY}"},
    }
    bad = {**posted, "channel": {"type": "slack", "webhook_url": f"ftp://h/{POSTED_PATH}"}}
    near = {"Authorization": f"Bearer {TOKEN[:-1]}"}
    with httpx.Client(base_url=api, timeout=10) as client:
        answers = {
            "alerts": client.get("/alerts"),
            "subscriptions": client.get("/api/subscriptions", headers=auth),
            "silences": client.get("/api/silences", headers=auth),
            "create": client.post("/api/subscriptions", json=posted, headers=auth),
            "invalid": client.post("/api/subscriptions", json=bad, headers=auth),
            "near-token": client.post("/api/subscriptions", json=posted, headers=near),
            "subscriptions-after": client.get("/api/subscriptions"),
            "delete": client.delete("/api/subscriptions/posted", headers=auth),
        }
    assert answers["create"].status_code == 201, answers["create"].text
    assert answers["invalid"].status_code == 422 and answers["near-token"].status_code == 401
    return {name: f"{r.status_code} {r.headers} {r.text}" for name, r in answers.items()}


@dataclass
class Run:
    log: str
    metrics: str
    answers: dict[str, str]
    sink: Receivers


@pytest_asyncio.fixture(scope="module")
async def run(kafka: Settings, tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("secrets")
    with receivers() as sink:
        settings = _settings(kafka, tmp, sink)
        api = f"http://127.0.0.1:{settings.worker.web_port}"
        with worker_process(settings, tmp / "worker.log") as proc:
            records = [anomaly("r-1"), anomaly("r-2")]
            pairs: list[Any] = [
                (r.fingerprint.encode(), r.model_dump_json().encode()) for r in records
            ]
            await produce(settings, pairs, topic=settings.detectors.topic)

            def failed_everywhere() -> bool:
                """Slack and the webhook retried, SMTP refused a login, failures counted."""
                paths = [p for p, _ in sink.http]
                scrape = httpx.get(f"{api}/metrics", timeout=10).text
                return (
                    sum(SLACK_PATH in p for p in paths) >= 3
                    and sum("/hook" in p for p in paths) >= 3
                    and len(sink.smtp_auth) >= 1
                    and all(
                        f'salespulse_notification_failures_total{{channel="{c}"' in scrape
                        for c in ("slack", "webhook", "email")
                    )
                )

            _wait(failed_everywhere)
            answers = _api_answers(api)
            metrics = httpx.get(f"{api}/metrics", timeout=10).text
            assert proc.poll() is None, "the worker survived its failing receivers"
        log = (tmp / "worker.log").read_text(errors="replace")
    return Run(log, metrics, answers, sink)


@pytest.mark.kafka
def test_the_error_paths_really_ran(run: Run) -> None:
    """Premise of the scans: every receiver saw (and refused) the secret it was given."""
    assert any(SLACK_PATH in path for path, _ in run.sink.http)
    assert any(HOOK_QUERY in path for path, _ in run.sink.http)
    assert any(
        HOOK_PASSWORD in base64.b64decode(a.split()[-1]).decode() for _, a in run.sink.http if a
    )
    assert any(SMTP_PASSWORD in credentials for credentials in run.sink.smtp_auth)
    assert "delivery attempt" in run.log and "failed" in run.log
    assert len(run.log) > 10_000, "debug logging was on"


RECORD_DUMP = "Sending (key="  # aiokafka.producer.producer's DEBUG line: a record's bytes


@pytest.mark.kafka
def test_no_secret_in_the_worker_log(run: Run) -> None:
    """Every line SalesPulse, faust, httpx or aiosmtplib writes, at DEBUG level."""
    lines = "\n".join(line for line in run.log.splitlines() if RECORD_DUMP not in line)
    assert leaks(SECRETS, log=lines) == []
    assert "/services/T0/B0/" not in lines


@pytest.mark.kafka
def test_no_secret_in_the_worker_log_even_in_kafka_debug_lines(run: Run) -> None:
    assert leaks(SECRETS, log=run.log) == []


@pytest.mark.kafka
def test_no_secret_in_metrics(run: Run) -> None:
    assert leaks(SECRETS, metrics=run.metrics) == []
    assert "/services/" not in run.metrics


@pytest.mark.kafka
def test_no_secret_in_api_answers(run: Run) -> None:
    assert leaks(SECRETS, **run.answers) == []
    assert "<redacted>" in run.answers["subscriptions"]


# ------------------------------------------------------------------ CLI errors

PW = f"saslpw{RUN}S"
BROKEN_ROUTING = (
    "subscriptions:\n  - id: a\n    name: A\n    owner: o\n"
    f"    channel: {{type: slack, webhook_url: https://hooks.slack.com/services/{PW}: x}}\n"
)
CLI_CASES: dict[str, dict[str, str]] = {
    "sasl-bad-mechanism": {
        "SALESPULSE_KAFKA__SASL_PASSWORD": PW,
        "SALESPULSE_KAFKA__SASL_MECHANISM": "BOGUS",
    },
    "sasl-bad-protocol": {
        "SALESPULSE_KAFKA__SASL_PASSWORD": PW,
        "SALESPULSE_KAFKA__SECURITY_PROTOCOL": "SASL_NOPE",
    },
    "sasl-bad-username-type": {
        "SALESPULSE_KAFKA": f'{{"sasl_password": "{PW}", "sasl_username": ["{PW}"]}}',
    },
    "kafka-json-unknown-field": {"SALESPULSE_KAFKA": f'{{"sasl_password": "{PW}", "port": 1}}'},
    "kafka-json-malformed": {"SALESPULSE_KAFKA": f'{{"sasl_password": "{PW}", "x": '},
    "smtp-bad-port": {
        "SALESPULSE_ALERTS__SMTP__PASSWORD": PW,
        "SALESPULSE_ALERTS__SMTP__PORT": "smtp",
    },
    "smtp-json-bad": {"SALESPULSE_ALERTS__SMTP": f'{{"password": "{PW}", "port": "{PW}"}}'},
    "api-token-with-bad-flag": {
        "SALESPULSE_ALERTS__API_TOKEN": PW,
        "SALESPULSE_ALERTS__PROTECT_READS": "maybe",
    },
    "config-file-secret-wrong-type": {"SALESPULSE_CONFIG": "secret-list.yaml"},
    "config-file-broken-near-secret": {"SALESPULSE_CONFIG": "secret-broken.yaml"},
    "routing-bad-url": {"SALESPULSE_ALERTS__ROUTING": "routing-bad-url.yaml"},
    "routing-broken-near-secret": {"SALESPULSE_ALERTS__ROUTING": "routing-broken.yaml"},
}
FILES = {
    "secret-list.yaml": f"kafka:\n  sasl_password: [{PW}]\n",
    "secret-broken.yaml": f"kafka:\n  sasl_password: {PW}: x\n",
    "routing-bad-url.yaml": BROKEN_ROUTING.replace(": x}", "}").replace("https://", "ftp://"),
    "routing-broken.yaml": BROKEN_ROUTING,
}
CLI_BUGS = {
    "routing-broken-near-secret": "alerts.config.load_routing puts str(yaml.YAMLError) in its "
    "AlertConfigError; PyYAML's message quotes the offending line ('... "
    "com/services/<secret>: x}'), so the start-up error prints the Slack webhook path, which "
    "is the credential",
}


def _cli_env(name: str, where: Path) -> dict[str, str]:
    for file_name, text in FILES.items():
        (where / file_name).write_text(text)
    env = {"SALESPULSE_KAFKA__BOOTSTRAP_SERVERS": "127.0.0.1:1"}
    for key, value in CLI_CASES[name].items():
        env[key] = str(where / value) if value.endswith(".yaml") else value
    return env


def _cli_param(name: str) -> object:

    marks: list[object] = []  # every bug these cases found is fixed
    return pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", [_cli_param(n) for n in CLI_CASES])
def test_cli_start_up_errors_never_echo_a_secret(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub = types.ModuleType("streams.worker")
    stub.run_worker = lambda settings: print(f"accepted {settings!r}")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "streams.worker", stub)
    for key in [k for k in os.environ if k.startswith("SALESPULSE_")]:
        monkeypatch.delenv(key)
    result = CliRunner().invoke(main, ["worker"], env=_cli_env(name, tmp_path))
    text = result.output + result.stderr
    if result.exception is not None:
        text += "".join(traceback.format_exception(result.exception))
    assert PW not in text, text[-2000:]


@pytest.mark.parametrize("case", ["sasl-bad-mechanism", "sasl-unreachable-broker"])
def test_the_real_cli_never_echoes_the_sasl_password(case: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESPULSE_")}
    env.update(
        SALESPULSE_KAFKA__BOOTSTRAP_SERVERS="127.0.0.1:1",
        SALESPULSE_KAFKA__SECURITY_PROTOCOL="SASL_PLAINTEXT",
        SALESPULSE_KAFKA__SASL_MECHANISM="BOGUS" if case == "sasl-bad-mechanism" else "PLAIN",
        SALESPULSE_KAFKA__SASL_USERNAME="svc",
        SALESPULSE_KAFKA__SASL_PASSWORD=PW,
        SALESPULSE_WORKER__DATA_DIR=str(tmp_path),
    )
    done = run_worker(env)
    output = done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
    assert done.returncode != 0, output[-2000:]
    assert PW not in output, output[-2000:]
