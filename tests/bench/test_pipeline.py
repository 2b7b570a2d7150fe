"""``salespulse bench`` through the session broker, as a user runs it: the JSON it prints.

A tiny run (5,000 events of a small company, so that days close and detectors hold
state), latency and scale skipped. No timing is asserted: only shape and sanity.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from salespulse.settings import Settings
from tests.support.kafka import settings_env

pytestmark = pytest.mark.kafka

POSITIVE = (
    "produce_events_per_s",
    "baseline_events_per_s",
    "ingest_events_per_s",
    "kpi_events_per_s",
    "pipeline_events_per_s",
    "peak_rss_bytes",
    "backtest_events_per_s",
    "kpi_series",
    "kpi_state_bytes_per_series",
    "kpi_engine_state_bytes",
    "detector_series",
    "detector_state_bytes_per_series",
)


def test_bench_json_has_every_figure(kafka: Settings) -> None:
    args = ["bench", "--events", "5000", "--scale", "0.1", "--skip-latency", "--skip-scale"]
    done = subprocess.run(
        [sys.executable, "-m", "salespulse", *args, "--json"],
        env=settings_env(kafka),
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    print(result)  # shown on failure
    assert result["events"] == 5000
    for key in POSITIVE:
        assert isinstance(result[key], int | float) and result[key] > 0, key
    for ratio, rate in (
        ("ratio", "pipeline_events_per_s"),
        ("kpi_ratio", "kpi_events_per_s"),
        ("ingest_ratio", "ingest_events_per_s"),
    ):
        assert math.isfinite(result[ratio]) and result[ratio] > 0, ratio
        expected = result[rate] / result["baseline_events_per_s"]
        assert result[ratio] == pytest.approx(expected, rel=0.01, abs=1e-4)
    # cores per process while measured: the worker, and the consumer of the baseline
    assert "worker-0" in result["pipeline_cores"] and "consumer" in result["baseline_cores"]
    assert all(
        c >= 0 for c in [*result["pipeline_cores"].values(), *result["baseline_cores"].values()]
    )
    for key in ("kpi_memory_bytes_per_series", "kpi_payer_pairs", "kpi_payer_bytes_per_pair"):
        assert result[key] > 0, key
    kinds = result["detector_state_bytes_by_kind"]
    assert kinds and all(size > 0 for size in kinds.values())
    assert "latency" not in result and "scale" not in result
