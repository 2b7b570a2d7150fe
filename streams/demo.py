"""``salespulse demo``: broker + worker + simulator, with a live view of ingestion.

Everything is real: the broker is the project's launcher, the worker is
``salespulse worker`` in a child process, and the view reads its ``/metrics``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.live import Live

from salespulse.events import Envelope
from salespulse.faults import with_faults
from salespulse.settings import Settings
from streams.broker import LocalBroker
from streams.dashboard import Snapshot, company_kpis, render, scrape
from streams.producer import ProduceReport, produce
from streams.supervise import worker_process


@dataclass(frozen=True)
class DemoOptions:
    rate: float
    fault_ratio: float
    duration: float | None
    refresh_seconds: float = 1.0


class _Producer(threading.Thread):
    """Sends in a thread of its own so the live view never waits on Kafka."""

    def __init__(
        self, settings: Settings, records: Iterable[tuple[bytes | None, bytes]], rate: float
    ) -> None:
        super().__init__(daemon=True, name="demo-producer")
        self.settings, self.records, self.rate = settings, records, rate
        self.report: ProduceReport | None = None
        self.error: BaseException | None = None
        self.halt = threading.Event()

    def run(self) -> None:
        try:
            self.report = asyncio.run(produce(self.settings, self._until_halted(), rate=self.rate))
        except BaseException as exc:  # noqa: BLE001 - reported by the view, not lost
            self.error = exc

    def _until_halted(self) -> Iterator[tuple[bytes | None, bytes]]:
        for record in self.records:
            if self.halt.is_set():
                return
            yield record

    def stop(self) -> None:
        """Stop sending and flush what was sent, before the worker and broker go away."""
        self.halt.set()
        self.join(timeout=30)


def run_demo(
    settings: Settings, events: Iterable[Envelope], options: DemoOptions, console: Console
) -> None:
    broker = LocalBroker(settings)
    started = broker.start()
    where = f"started in {broker.started_in:.1f}s" if started else "already running"
    console.print(f"Kafka at [bold]{settings.kafka.bootstrap}[/] ({where})")
    log = Path(settings.worker.data_dir) / "worker.log"
    try:
        with worker_process(settings, log):
            console.print(
                f"worker up; metrics at http://127.0.0.1:{settings.worker.web_port}"
                f"/metrics; log {log}"
            )
            records = with_faults(events, options.fault_ratio)
            producer = _Producer(settings, records, options.rate)
            producer.start()
            try:
                _watch(settings, producer, options, console)
            finally:
                producer.stop()
    finally:
        if started:
            broker.stop()


def _header(producer: _Producer) -> str:
    if producer.error is not None:
        return f"[red]producer failed: {producer.error!r}[/]"
    if producer.report is not None:
        return f"simulation sent: {producer.report.sent:,} messages (Ctrl-C to stop)"
    return "simulation running (Ctrl-C to stop)"


def _watch(settings: Settings, producer: _Producer, options: DemoOptions, console: Console) -> None:
    base = f"http://127.0.0.1:{settings.worker.web_port}"
    url = f"{base}/metrics"
    deadline = time.monotonic() + options.duration if options.duration else None
    before: Snapshot | None = None
    try:
        with Live(console=console, refresh_per_second=4) as live:
            while deadline is None or time.monotonic() < deadline:
                now = scrape(url)
                kpis = company_kpis(base)
                live.update(render(now, before, _header(producer), kpis))
                before = now
                time.sleep(options.refresh_seconds)
    except KeyboardInterrupt:
        console.print("stopping ...")
