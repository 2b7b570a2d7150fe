"""Soak: sustained load with injected anomalies and a worker restart in the middle.

Not part of CI (it runs for minutes). ``python -m bench.soak --rate 2000 --minutes 10``
starts a local broker (or uses ``SALESPULSE_KAFKA__BOOTSTRAP_SERVERS``), a worker with a
local Slack stand-in subscribed to every anomaly, and the simulator with every anomaly
kind at ``--rate`` events/s. Halfway it SIGKILLs the worker and starts it again. Every
``--sample`` seconds it records the worker's RSS and its consumer lag. At the end it
reports both series and whether every notification arrived exactly once (no notification
id twice at the receiver).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import yaml
from prometheus_client.parser import text_string_to_metric_families

from salespulse.settings import load_settings
from salespulse.simulate import SimulationConfig, simulate
from salespulse.simulate.config import AnomalyKind
from streams.broker import LocalBroker
from streams.producer import produce
from streams.sinks import http_sink
from streams.supervise import isolated, worker_process

EVENTS_PER_DAY = 2800  # the simulator's mix at scale 1


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _lag(port: int) -> float:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "salespulse_consumer_lag_messages"
    )


def run(rate: float, minutes: float, sample: float, work: Path) -> dict[str, Any]:
    settings = isolated(load_settings(), f"soak-{int(time.time())}")
    limit = int(rate * minutes * 60)
    days = max(60, limit // EVENTS_PER_DAY + 1)  # anomalies land at 55-70 % of the period
    config = SimulationConfig(
        seed=21, days=days, start=date(2024, 1, 1), anomalies=tuple(AnomalyKind)
    )  # a past start: events ahead of the wall clock would be dead-lettered as `future`
    events = simulate(config).events
    samples: list[dict[str, float]] = []
    with LocalBroker(settings):
        with http_sink() as slack:
            routing = work / "routing.yaml"
            routing.write_text(
                yaml.safe_dump(
                    {
                        "subscriptions": [
                            {
                                "id": "soak",
                                "name": "soak",
                                "owner": "bench",
                                "channel": {"type": "slack", "webhook_url": f"{slack.url}/s"},
                                "min_severity": "info",
                                "group_wait": 0,
                                "group_interval": 1,
                            }
                        ]
                    }
                )
            )
            alerts = settings.alerts.model_copy(update={"routing": routing})
            settings = settings.model_copy(update={"alerts": alerts})
            stream = (e for i, e in enumerate(events) if i < limit)
            sender = threading.Thread(
                target=lambda: asyncio.run(produce(settings, stream, rate=rate)), daemon=True
            )
            port = settings.worker.web_port
            deadline = time.monotonic() + minutes * 60
            restarted = False
            start = time.monotonic()
            proc_ctx = worker_process(settings, work / "worker-1.log")
            proc = proc_ctx.__enter__()
            sender.start()
            try:
                while time.monotonic() < deadline or sender.is_alive():
                    if not restarted and time.monotonic() - start > minutes * 30:
                        proc.kill()
                        proc.wait()
                        proc_ctx.__exit__(None, None, None)
                        proc_ctx = worker_process(settings, work / "worker-2.log")
                        proc = proc_ctx.__enter__()
                        restarted = True
                    samples.append(
                        {
                            "t": round(time.monotonic() - start, 1),
                            "rss_bytes": _rss(proc.pid),
                            "lag_messages": _lag(port),
                        }
                    )
                    time.sleep(sample)
                time.sleep(10)  # the last deliveries
            finally:
                proc_ctx.__exit__(None, None, None)
            bodies = slack.delivered()
            keys = slack.delivered_keys()
    texts = [json.dumps(b, sort_keys=True) for b in bodies]
    return {
        "rate": rate,
        "minutes": minutes,
        "events": limit,
        "simulated_days": days,
        "notifications": len(bodies),
        # a notification delivered twice (same idempotency key); equal bodies can also be
        # two notifications, e.g. a repeat of an unchanged alert
        "duplicates": len(keys) - len(set(keys)),
        "equal_bodies": len(texts) - len(set(texts)),
        "peak_rss_bytes": max((s["rss_bytes"] for s in samples), default=0),
        "max_lag_messages": max((s["lag_messages"] for s in samples), default=0),
        "samples": samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=2000.0)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sample", type=float, default=5.0)
    parser.add_argument("--work", type=Path, default=Path("soak-work"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(args.rate, args.minutes, args.sample, args.work), indent=2))


if __name__ == "__main__":
    main()
