"""KPI stage through the real broker: equals the backtest, survives SIGKILL, DLQs late events."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from salespulse.kpis import backtest
from salespulse.settings import Settings
from salespulse.simulate import SimulationConfig, simulate
from streams.producer import produce
from tests.support.kafka import isolated, read_topic, worker_process

pytestmark = pytest.mark.kafka
Key = tuple[str, str, str, str]


@pytest.fixture(scope="module")
def stream() -> list[Any]:
    return list(simulate(SimulationConfig(seed=5, days=21, scale=0.3)).events)


def _expected(
    settings: Settings, events: list[Any], scores: bool = False
) -> tuple[int, dict[Key, dict[str, Any]]]:
    result = backtest(events, settings.kpi.engine_config(), scores=scores)
    return result.events, {v.series_id: v.to_dict() for v in result.values}


def _live(settings: Settings, total: int, timeout: float = 240) -> dict[str, Any]:
    url = f"http://127.0.0.1:{settings.worker.web_port}/kpis"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, Any] = httpx.get(url, timeout=60).json()
        if body["committed"] and body["events_applied"] + body["late"] >= total:
            return body
        time.sleep(0.5)
    raise TimeoutError(f"worker applied fewer than {total} events")


def _by_key(body: dict[str, Any]) -> dict[Key, dict[str, Any]]:
    return {(v["kpi"], v["dimension"], v["key"], v["window"]): v for v in body["kpis"]}


def _assert_same(live: dict[Key, dict[str, Any]], expected: dict[Key, dict[str, Any]]) -> None:
    assert set(live) == set(expected), set(live) ^ set(expected)
    diffs = [(k, expected[k], live[k]) for k in expected if expected[k] != live[k]]
    assert not diffs, diffs[:5]


async def test_live_kpis_equal_the_backtest(kafka: Settings, tmp_path: Path, stream: list[Any]):
    settings = isolated(kafka, tmp_path)
    total, expected = _expected(settings, stream)
    with worker_process(settings, tmp_path / "worker.log"):
        await produce(settings, stream)
        body = _live(settings, total)
        metrics_url = f"http://127.0.0.1:{settings.worker.web_port}/metrics"
        scrape = httpx.get(metrics_url).text
        wanted = ["salespulse_kpi_events_applied_total", "salespulse_kpi_handoff_events_total"]
        restricted = httpx.get(metrics_url, params={"name[]": wanted}).text
    assert body["late"] == 0
    picked = {
        (s.name, s.labels.get("result")): s.value
        for family in text_string_to_metric_families(restricted)
        for s in family.samples
    }
    assert {name for name, _ in picked} == set(wanted)  # custom collectors filtered too
    assert picked["salespulse_kpi_events_applied_total", None] == total
    handoff = {r: picked["salespulse_kpi_handoff_events_total", r] for r in ("hit", "miss")}
    assert handoff["hit"] + handoff["miss"] == total  # every typed record read once
    assert handoff["hit"] > 0  # validated once, in ingest
    exported = {
        (s.labels["kpi"], s.labels["dimension"], s.labels["key"], s.labels["window"]): s.value
        for family in text_string_to_metric_families(scrape)
        for s in family.samples
        if s.name == "salespulse_kpi_value"
    }
    revenue = ("revenue", "company", "all", "30d")
    assert exported[revenue] == pytest.approx(expected[revenue]["value"], rel=1e-12)
    _assert_same(_by_key(body), expected)
    published = await read_topic(settings, settings.kpi.topic, 1, timeout=30)
    first = json.loads(published[0].value)
    assert {"kpi", "dimension", "key", "window", "value", "numerator", "watermark"} <= set(first)


async def test_sigkill_mid_stream_loses_and_doubles_nothing(
    kafka: Settings, tmp_path: Path, stream: list[Any]
) -> None:
    settings = isolated(kafka, tmp_path)
    total, expected = _expected(settings, stream)
    await produce(settings, stream)
    url = f"http://127.0.0.1:{settings.worker.web_port}"
    with worker_process(settings, tmp_path / "first.log") as proc:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            metrics = httpx.get(f"{url}/metrics", timeout=30).text
            if "salespulse_kpi_changes_published_total 0.0" not in metrics and (
                httpx.get(
                    f"{url}/kpis?kpi=revenue&dimension=company&window=day", timeout=30
                ).json()["events_applied"]
                > total // 3
            ):
                break
            time.sleep(0.2)
        proc.kill()  # SIGKILL: no shutdown hook runs
        proc.wait()
    with worker_process(settings, tmp_path / "second.log"):
        body = _live(settings, total)
    assert body["events_applied"] == total
    _assert_same(_by_key(body), expected)


async def test_a_graceful_stop_publishes_what_the_interval_still_held(
    kafka: Settings, tmp_path: Path, stream: list[Any]
) -> None:
    """With an interval longer than the run, only the stop's own transaction publishes.

    It is also the first publish, so it carries the opportunity scores: as of the same
    events, they equal the backtest's."""
    isolated_settings = isolated(kafka, tmp_path)
    kpi = isolated_settings.kpi.model_copy(update={"publish_seconds": 60})
    settings = isolated_settings.model_copy(update={"kpi": kpi})
    total, expected = _expected(settings, stream, scores=True)
    assert any(k[0] == "opportunity_score" for k in expected)
    url = f"http://127.0.0.1:{settings.worker.web_port}/kpis?kpi=none"
    with worker_process(settings, tmp_path / "worker.log"):
        await produce(settings, stream)
        deadline = time.monotonic() + 240
        while httpx.get(url, timeout=60).json()["events_applied"] < total:
            assert time.monotonic() < deadline, "worker applied fewer events"
            time.sleep(0.5)
        assert not httpx.get(url, timeout=60).json()["committed"]
    published = await read_topic(settings, settings.kpi.topic, len(expected) + 1, timeout=10)
    values = {}
    for record in published:
        body = orjson.loads(record.value)
        body.pop("watermark")
        values[body["kpi"], body["dimension"], body["key"], body["window"]] = body
    _assert_same(values, expected)


async def test_event_behind_watermark_goes_to_dlq_as_late(kafka: Settings, tmp_path: Path):
    settings = isolated(kafka, tmp_path)
    events = list(simulate(SimulationConfig(seed=6, days=3, scale=0.1)).events)
    old = orjson.loads(events[-1].to_json())
    old["id"] = "late-one"
    old["time"] = "2025-06-01T10:00:00+03:00"
    with worker_process(settings, tmp_path / "worker.log"):
        await produce(settings, events)
        _live(settings, len(events))
        await produce(settings, [(b"late", orjson.dumps(old))])
        _live(settings, len(events) + 1)
        letters = await read_topic(settings, settings.topics.dlq, 1, timeout=60)
    late = [json.loads(r.value) for r in letters]
    assert [d["reason"] for d in late] == ["late"]
    assert late[0]["event_id"] == "late-one" and late[0]["errors"][0]["path"] == "time"
