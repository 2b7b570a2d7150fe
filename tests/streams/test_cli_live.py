"""The demo and the benchmark, run as a user runs them, against the session broker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from salespulse.settings import Settings
from tests.support.kafka import isolated, settings_env

pytestmark = pytest.mark.kafka


def _run(settings: Settings, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "salespulse", *args],
        env=settings_env(settings),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_demo_shows_typed_and_dead_lettered_counts(kafka: Settings, tmp_path: Path) -> None:
    settings = isolated(kafka, tmp_path)
    done = _run(
        settings, "demo", "--duration", "12", "--rate", "400", "--faults", "0.05", "--seed", "3"
    )
    assert done.returncode == 0, done.stderr + done.stdout
    out = done.stdout
    assert "Events by type" in out and "Dead letters by reason" in out
    last = out.rsplit("consumed ", 1)[1].split()[0].replace(",", "")
    assert int(last) > 0, "the worker consumed simulator events"
    assert "Unable connect" not in done.stderr, "demo stopped its producer before the broker"


def test_bench_reports_ratio_to_plain_aiokafka(kafka: Settings, tmp_path: Path) -> None:
    settings = isolated(kafka, tmp_path)
    done = _run(settings, "bench", "--events", "3000", "--json", "--skip-latency", "--skip-scale")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    print(result)  # shown on failure
    assert result["events"] == 3000
    assert result["baseline_events_per_s"] > 0 and result["pipeline_events_per_s"] > 0
    for ratio, rate in (
        ("ratio", "pipeline_events_per_s"),
        ("ingest_ratio", "ingest_events_per_s"),
    ):
        assert result[ratio] == pytest.approx(
            result[rate] / result["baseline_events_per_s"],
            abs=1e-4,  # rounded to 4 places
        )


def test_bad_config_fails_at_start_naming_the_field(kafka: Settings, tmp_path: Path) -> None:
    env = settings_env(isolated(kafka, tmp_path))
    env["SALESPULSE_WORKER__WEB_PORT"] = "http"
    done = subprocess.run(
        [sys.executable, "-m", "salespulse", "worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "worker.web_port" in done.stderr
    assert done.stderr.count("\n") <= 2, done.stderr


def test_schema_command_prints_every_type() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "salespulse", "schema"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    schema = json.loads(done.stdout)
    assert len(schema["discriminator"]["mapping"]) == 12
