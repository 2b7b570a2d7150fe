"""Detectors through the real broker: records equal the backtest's, once, even after SIGKILL."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import yaml

from detectors.record import AnomalyRecord
from salespulse.kpis import backtest
from salespulse.settings import Settings
from salespulse.simulate import SimulationConfig, simulate
from salespulse.simulate.config import AnomalyKind
from streams.producer import produce
from tests.support.http_sink import http_sink, mail_sink
from tests.support.kafka import isolated, read_topic, worker_process

pytestmark = pytest.mark.kafka
COLLAPSE = SimulationConfig(seed=3, days=70, scale=0.5, anomalies=(AnomalyKind.WIN_RATE_COLLAPSE,))


@pytest.fixture(scope="module")
def run() -> tuple[list[Any], str, list[dict[str, Any]]]:
    simulation = simulate(COLLAPSE)
    events = list(simulation.events)
    expected = backtest(events, Settings().kpi.engine_config(), scores=False, detect=True)
    records = [a.model_dump(mode="json") for a in expected.anomalies]
    return events, simulation.labels[0].key, records


def _wait_applied(settings: Settings, total: int, timeout: float = 300) -> None:
    url = f"http://127.0.0.1:{settings.worker.web_port}/kpis?kpi=none"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = httpx.get(url, timeout=60).json()
        if body["committed"] and body["events_applied"] + body["late"] >= total:
            return  # the last transaction too
        time.sleep(0.5)
    raise TimeoutError(f"worker applied fewer than {total} events")


async def _published(settings: Settings, expected: int) -> list[dict[str, Any]]:
    found = await read_topic(settings, settings.detectors.topic, expected + 1, timeout=10)
    return [orjson.loads(r.value) for r in found]


def _by_time(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(records, key=lambda r: (r["last_seen"], r["fingerprint"], r["status"]))


def _assert_same(live: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    def ids(records: list[dict[str, Any]]) -> list[tuple[str, ...]]:
        return sorted(
            (r["last_seen"], r["kpi"], r["dimension"], r["key"], r["status"]) for r in records
        )

    extra = sorted(set(ids(live)) - set(ids(expected)))
    missing = sorted(set(ids(expected)) - set(ids(live)))
    assert len(live) == len(expected) and not extra and not missing, (
        len(live),
        len(expected),
        extra[:5],
        missing[:5],
    )
    assert _by_time(live) == _by_time(expected)


def _routed(settings: Settings, tmp_path: Path, slack: str, smtp_port: int) -> Settings:
    """Sales leads subscribe to rep win-rate anomalies by Slack and by email."""
    win_rate = [
        {"name": "kpi", "op": "=", "value": "win_rate"},
        {"name": "dimension", "op": "=", "value": "rep"},
    ]
    common = {"owner": "sales", "matchers": win_rate, "group_wait": 0, "group_interval": 1}
    routing = tmp_path / "routing.yaml"
    routing.write_text(
        yaml.safe_dump(
            {
                "subscriptions": [
                    {
                        "id": "lead-slack",
                        "name": "Sales leads",
                        "channel": {"type": "slack", "webhook_url": f"{slack}/hooks/T1"},
                        **common,
                    },
                    {
                        "id": "lead-mail",
                        "name": "Sales leads by mail",
                        "channel": {"type": "email", "to": ["lead@example.com"]},
                        **common,
                    },
                ]
            }
        )
    )
    smtp = settings.alerts.smtp.model_copy(update={"host": "127.0.0.1", "port": smtp_port})
    alerts = settings.alerts.model_copy(update={"routing": routing, "smtp": smtp})
    return settings.model_copy(update={"alerts": alerts})


async def test_a_reps_win_rate_collapse_is_one_incident_naming_the_rep(
    kafka: Settings, tmp_path: Path, run: tuple[list[Any], str, list[dict[str, Any]]]
) -> None:
    """From simulated events through the real broker to Slack (Block Kit) and an email."""
    events, rep, expected = run
    with http_sink() as slack, mail_sink() as mail:
        settings = _routed(isolated(kafka, tmp_path), tmp_path, slack.url, mail.port)
        with worker_process(settings, tmp_path / "worker.log"):
            await produce(settings, events)
            _wait_applied(settings, len(events))
            messages = slack.wait(2)  # the incident and its resolution
            emails = mail.wait(2)
            scrape = httpx.get(f"http://127.0.0.1:{settings.worker.web_port}/metrics").text
    assert all("blocks" in m and "text" in m for m in messages)
    assert rep in messages[0]["text"] and "RESOLVED" in messages[1]["text"]
    assert rep in emails[0]["Subject"] and mail.recipients[0] == ["lead@example.com"]
    assert {p.get_content_type() for p in emails[0].walk()} >= {"text/plain", "text/html"}
    live = await _published(settings, len(expected))
    _assert_same(live, expected)
    records = [AnomalyRecord(**r) for r in live]
    win_rate = [r for r in records if r.kpi == "win_rate" and r.dimension == "rep"]
    firing = [r for r in win_rate if r.status == "firing"]
    assert [r.key for r in firing] == [rep], "exactly one win-rate record, for that rep"
    top = firing[0].drilldown[0]
    assert (top.dimension, top.key) == ("rep", rep) and top.share > 0.5
    assert firing[0].labels["rep"] == rep and "team" in firing[0].labels
    assert [r.status for r in win_rate] == ["firing", "resolved"]
    assert 'salespulse_kpi_anomaly_score{dimension="rep"' in scrape
    assert "salespulse_anomalies_total" in scrape


async def test_sigkill_neither_loses_nor_repeats_an_anomaly(
    kafka: Settings, tmp_path: Path, run: tuple[list[Any], str, list[dict[str, Any]]]
) -> None:
    events, _rep, expected = run
    settings = isolated(kafka, tmp_path)
    await produce(settings, events)
    url = f"http://127.0.0.1:{settings.worker.web_port}/kpis?kpi=none"
    with worker_process(settings, tmp_path / "first.log") as proc:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if httpx.get(url, timeout=30).json()["events_applied"] > len(events) * 0.7:
                break  # past the anomaly's start: some records are already out
            time.sleep(0.2)
        proc.kill()
        proc.wait()
    with worker_process(settings, tmp_path / "second.log"):
        _wait_applied(settings, len(events))
    live = await _published(settings, len(expected))
    _assert_same(live, expected)
