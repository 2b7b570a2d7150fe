"""The real Prometheus scrapes a real worker fed by the simulator through the real broker."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from salespulse.settings import Settings
from streams.supervise import stop, wait_http
from tests.deploy.support import PROMETHEUS, need
from tests.support.kafka import free_port, settings_env

pytestmark = pytest.mark.kafka
JOB = "salespulse-worker"


@pytest.fixture
def prometheus(worker: Settings, tmp_path: Path) -> Iterator[str]:
    """A Prometheus scraping ``worker`` every second, with the repository's rules loaded."""
    binary = need("prometheus")
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(p) for p in sorted((PROMETHEUS / "rules").glob("*.yml"))],
        "scrape_configs": [
            {
                "job_name": JOB,
                "static_configs": [{"targets": [f"127.0.0.1:{worker.worker.web_port}"]}],
            }
        ],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    url = f"http://127.0.0.1:{free_port()}"
    log = tmp_path / "prometheus.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                binary,
                f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address={url.removeprefix('http://')}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            wait_http(f"{url}/-/ready", proc, log, timeout=30)
            yield url
        finally:
            stop(proc)


def simulate(settings: Settings) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "salespulse", "simulate", "--days", "5", "--seed", "7"],
        env=settings_env(settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def values(url: str, query: str) -> list[float]:
    body = httpx.get(f"{url}/api/v1/query", params={"query": query}, timeout=10).json()
    assert body["status"] == "success", body
    return [float(r["value"][1]) for r in body["data"]["result"]]


def unmet(url: str, checks: dict[str, Callable[[list[float]], bool]]) -> list[str]:
    """The checks still false after polling Prometheus for up to 60 s."""
    pending = dict(checks)
    deadline = time.monotonic() + 60
    while pending and time.monotonic() < deadline:
        for query, ok in list(pending.items()):
            found = values(url, query)
            if found and ok(found):
                del pending[query]
        time.sleep(1)
    return list(pending)


def test_prometheus_scrapes_kpis_and_ingest_counts(worker: Settings, prometheus: str) -> None:
    simulate(worker)
    checks = {
        'salespulse_kpi_value{kpi="revenue",dimension="company"}': lambda v: max(v) > 0,
        "salespulse_ingest_events_total": lambda v: sum(v) > 0,
        f'up{{job="{JOB}"}}': lambda v: v == [1.0],
    }
    assert unmet(prometheus, checks) == []
    groups = httpx.get(f"{prometheus}/api/v1/rules", timeout=10).json()["data"]["groups"]
    rules = [r for g in groups for r in g["rules"]]
    assert rules and [(r["name"], r["lastError"]) for r in rules if r["health"] == "err"] == []
