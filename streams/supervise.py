"""Run ``salespulse worker`` as a child process: used by the demo, the benchmark and tests.

The child gets its settings through ``SALESPULSE_*`` variables, the same way an
operator would configure it, so what runs here is what runs in production.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from pydantic import BaseModel, SecretStr

from salespulse.settings import Settings


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a child process load ``settings`` (secrets included)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESPULSE_")}
    for name in type(settings).model_fields:
        if name != "broker":
            env.update(_flatten(getattr(settings, name), f"SALESPULSE_{name.upper()}"))
    return env


def _flatten(model: BaseModel, prefix: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        key = f"{prefix}__{name.upper()}"
        if isinstance(value, BaseModel):
            out.update(_flatten(value, key))
        elif value is None:
            continue
        elif isinstance(value, SecretStr):
            out[key] = value.get_secret_value()
        elif isinstance(value, list | tuple):
            out[key] = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


@contextlib.contextmanager
def worker_process(settings: Settings, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A worker whose ``/metrics`` answers; terminated (SIGTERM, then SIGKILL) on exit."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "salespulse", "worker"],
            env=settings_env(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            wait_http(f"http://127.0.0.1:{settings.worker.web_port}/metrics", proc, log_path)
            yield proc
        except Exception as exc:
            # whatever failed around a worker, its log says why (a crash in CI is otherwise
            # just "connection refused")
            exc.add_note(
                f"worker log {log_path} (tail):\n{log_path.read_text(errors='replace')[-3000:]}"
            )
            raise
        finally:
            stop(proc)


def stop(proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_http(url: str, proc: subprocess.Popen[bytes], log_path: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"worker exited with {proc.returncode}:\n{tail}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer; log:\n{log_path.read_text()[-3000:]}")


def isolated(settings: Settings, run: str, **worker: object) -> Settings:
    """``settings`` with topics and consumer groups of their own, prefixed by ``run``.

    Used wherever one broker serves several independent pipelines (demo re-runs,
    benchmarks, tests), so no run reads another's history.
    """
    topics = settings.topics.model_copy(
        update={"events": f"{run}.events", "typed": f"{run}.typed", "dlq": f"{run}.dlq"}
    )
    kpi = settings.kpi.model_copy(update={"topic": f"{run}.kpis"})
    detectors = settings.detectors.model_copy(update={"topic": f"{run}.anomalies"})
    alerts = settings.alerts.model_copy(
        update={
            "config_topic": f"{run}.alerting.config",
            "state_topic": f"{run}.alerting.state",
            "failed_topic": f"{run}.alerting.failed",
        }
    )
    worker_settings = settings.worker.model_copy(update={"app_id": f"salespulse-{run}", **worker})
    return settings.model_copy(
        update={
            "topics": topics,
            "kpi": kpi,
            "detectors": detectors,
            "alerts": alerts,
            "worker": worker_settings,
        }
    )
