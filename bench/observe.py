"""What the benchmark reads off a running worker: its ``/metrics`` page and its ``/proc`` entry."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

Labels = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Scrape:
    """One ``/metrics`` page as samples: (name, labels) -> value."""

    samples: dict[tuple[str, Labels], float]

    def value(self, name: str, **labels: str) -> float:
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def total(self, name: str) -> float:
        """Sum over every label set of ``name``."""
        return sum(v for (n, _), v in self.samples.items() if n == name)

    def by(self, name: str, label: str) -> dict[str, float]:
        return {
            dict(labels)[label]: v
            for (n, labels), v in self.samples.items()
            if n == name and label in dict(labels)
        }


PROGRESS = (
    "salespulse_ingest_messages_total",
    "salespulse_kpi_events_applied_total",
    "salespulse_kpi_late_events_total",
)


def scrape(port: int, names: tuple[str, ...] = ()) -> Scrape:
    """The worker's metrics, or only ``names``: polling the whole page every 50 ms cost
    the worker (every KPI and detector gauge computed) and this process (parsing it) a
    good part of a core, taken from what was measured."""
    params = {"name[]": list(names)} if names else None
    body = httpx.get(f"http://127.0.0.1:{port}/metrics", params=params, timeout=60).text
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }
    return Scrape(samples)


def ingested(page: Scrape) -> float:
    return page.value("salespulse_ingest_messages_total")


def kpi_done(page: Scrape) -> float:
    """Events the KPI stage has applied or dead-lettered as late."""
    return page.value("salespulse_kpi_events_applied_total") + page.value(
        "salespulse_kpi_late_events_total"
    )


def peak_rss(pid: int) -> int:
    """Peak resident set size (``VmHWM``) of a live process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM for pid {pid}")


def wait_until(check: Callable[[], bool], timeout: float, what: str, step: float = 0.05) -> float:
    """Poll ``check`` until it holds; return the ``time.perf_counter()`` when it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return time.perf_counter()
        time.sleep(step)
    raise TimeoutError(f"{what} not within {timeout:.0f}s")
