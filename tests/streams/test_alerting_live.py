"""Alerting through the real broker: anomaly records in, one Slack message per change out,
through a receiver that is down at first and a worker that is SIGKILLed in between."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pydantic import SecretStr

from detectors.record import AnomalyRecord
from salespulse.settings import Settings
from streams.producer import produce
from tests.support.anomalies import anomaly
from tests.support.http_sink import http_sink
from tests.support.kafka import isolated, worker_process

pytestmark = pytest.mark.kafka
TOKEN = "test-token-9f2c"  # noqa: S105 - a throwaway token for the local API


def _record(rep: str, status: str) -> AnomalyRecord:
    return anomaly(rep, status, severity="warning")


def _settings(kafka: Settings, tmp_path: Path, sink_url: str) -> Settings:
    routing = tmp_path / "routing.yaml"
    routing.write_text(
        yaml.safe_dump(
            {
                "subscriptions": [
                    {
                        "id": "sales-east",
                        "name": "East sales leads",
                        "owner": "ops",
                        "channel": {
                            "type": "slack",
                            "webhook_url": f"{sink_url}/services/T0/B0/secret",
                        },
                        "matchers": [{"name": "team", "op": "=", "value": "t-east"}],
                        "group_by": ["kpi", "team"],
                        "group_wait": 1,
                        "group_interval": 2,
                        "repeat_interval": 3600,
                    }
                ]
            }
        )
    )
    settings = isolated(kafka, tmp_path)
    alerts = settings.alerts.model_copy(
        update={
            "routing": routing,
            "api_token": SecretStr(TOKEN),
            "retry_attempts": 2,
            "retry_initial_seconds": 0.1,
            "retry_max_seconds": 0.2,
            "redeliver_seconds": 1.0,
            "tick_seconds": 0.2,
        }
    )
    return settings.model_copy(update={"alerts": alerts})


async def _send(settings: Settings, records: list[AnomalyRecord]) -> None:
    pairs: list[Any] = [(r.fingerprint.encode(), r.model_dump_json().encode()) for r in records]
    await produce(settings, pairs, topic=settings.detectors.topic)


def _text(body: Any) -> str:
    return str(body)


def _wait_metric(api: str, line: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while line not in httpx.get(f"{api}/metrics").text:
        if time.monotonic() > deadline:
            raise TimeoutError(line)
        time.sleep(0.1)


def _wait_resolved(sink: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not all(
        any(f"[RESOLVED] win_rate drop — rep {rep}" in b["text"] for b in sink.delivered())
        for rep in ("r-1", "r-2")
    ):
        if time.monotonic() > deadline:
            raise TimeoutError([b["text"] for b in sink.delivered()])
        time.sleep(0.2)


async def test_grouped_once_through_an_outage_and_a_sigkill(kafka: Settings, tmp_path: Path):
    with http_sink(statuses=[500, 503, 500]) as sink:
        settings = _settings(kafka, tmp_path, sink.url)
        api = f"http://127.0.0.1:{settings.worker.web_port}"
        with worker_process(settings, tmp_path / "first.log") as proc:
            await _send(settings, [_record("r-1", "firing"), _record("r-2", "firing")])
            firing = sink.wait(1)
            _wait_metric(api, 'salespulse_notifications_total{channel="slack",outcome="sent"} 1.0')
            proc.kill()  # the delivery is committed: the restart must not send it again
            proc.wait()
        assert len([s for _, s, _ in sink.received if s != 200]) == 3, "the outage was retried"
        assert "r-1" in _text(firing[0]) and "r-2" in _text(firing[0]), "one message, both reps"
        with worker_process(settings, tmp_path / "second.log"):
            await _send(settings, [_record("r-1", "resolved"), _record("r-2", "resolved")])
            _wait_resolved(sink)
            time.sleep(3)  # room for a duplicate to show up
            alerts = httpx.get(f"{api}/alerts?status=resolved").json()
            refused = httpx.post(f"{api}/api/silences", json={})
            scrape = httpx.get(f"{api}/metrics").text
    texts = [b["text"] for b in sink.delivered()]
    assert len(texts) == len(set(texts)) <= 3, texts  # no message twice; resolutions may split
    assert texts[0].count("[WARNING]") == 2 and "RESOLVED" not in texts[0]
    assert {a["labels"]["key"] for a in alerts["alerts"]} == {"r-1", "r-2"}
    assert refused.status_code == 401 and refused.json()["error"]
    assert "secret" not in scrape and "/services/" not in scrape  # the webhook URL is a secret
    assert 'salespulse_notifications_total{channel="slack",outcome="sent"}' in scrape


async def test_a_graceful_stop_lets_the_delivery_on_its_way_finish(kafka: Settings, tmp_path: Path):
    """SIGTERM while the receiver is still answering (a rolling restart): the stop waits
    for the answer and commits the message as sent, so the next start does not send it
    again. The stop used to cancel the delivery, and the restart sent a second copy."""
    with http_sink(answer_after=3.0) as sink:
        settings = _settings(kafka, tmp_path, sink.url)
        api = f"http://127.0.0.1:{settings.worker.web_port}"
        with worker_process(settings, tmp_path / "first.log") as proc:
            await _send(settings, [_record("r-1", "firing")])
            deadline = time.monotonic() + 60
            while not sink.received:  # recorded on arrival, answered 3 s later
                assert time.monotonic() < deadline, "no delivery arrived"
                time.sleep(0.05)
            proc.terminate()
            proc.wait(timeout=30)
        log = (tmp_path / "first.log").read_text(errors="replace")
        assert "deliveries unfinished" not in log
        with worker_process(settings, tmp_path / "second.log"):
            deadline = time.monotonic() + 60
            while not httpx.get(f"{api}/alerts").json()["alerts"]:  # restored: the stage is up
                assert time.monotonic() < deadline, "the restarted stage restored no alert"
                time.sleep(0.2)
            time.sleep(5)  # room for a second copy: a pending one is sent on the first tick
    assert len(sink.received) == 1, sink.received


async def test_subscriptions_and_silences_over_the_api(kafka: Settings, tmp_path: Path):
    with http_sink() as sink:
        settings = _settings(kafka, tmp_path, sink.url)
        api = f"http://127.0.0.1:{settings.worker.web_port}"
        auth = {"Authorization": f"Bearer {TOKEN}"}
        with worker_process(settings, tmp_path / "worker.log"):
            silence = {
                "matchers": [{"name": "rep", "op": "=", "value": "r-9"}],
                "starts_at": "2026-01-01T00:00:00Z",
                "ends_at": "2099-01-01T00:00:00Z",
                "created_by": "ops",
                "comment": "known issue",
            }
            created = httpx.post(f"{api}/api/silences", json=silence, headers=auth)
            assert created.status_code in (200, 201), created.text
            bad = httpx.post(f"{api}/api/subscriptions", content=b"{nope", headers=auth)
            assert bad.status_code == 400 and bad.json()["error"]
            await _send(settings, [_record("r-9", "firing"), _record("r-8", "firing")])
            delivered = sink.wait(1)
            time.sleep(2)
            listed = httpx.get(f"{api}/api/silences").json()
    assert len(sink.delivered()) == 1 and "r-8" in _text(delivered[0])
    assert "r-9" not in _text(delivered[0]), "the silenced rep is recorded, not sent"
    assert any(s["comment"] == "known issue" for s in listed["silences"])
