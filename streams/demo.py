"""``salespulse demo``: broker + worker + simulator + local Slack and SMTP receivers.

Everything is real: the broker is the project's launcher, the worker is
``salespulse worker`` in a child process, alerts travel over HTTP to a local Slack
stand-in and over SMTP to a local mail server, and the view reads the worker's
``/metrics`` and what the receivers got.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from salespulse.events import Envelope
from salespulse.faults import with_faults
from salespulse.settings import Settings
from streams.broker import LocalBroker
from streams.dashboard import Snapshot, company_kpis, render, scrape
from streams.producer import ProduceReport, produce
from streams.sinks import MailSink, Sink, http_sink, mail_sink
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
    with LocalBroker(settings) as broker:
        started = broker.started_in is not None
        where = f"started in {broker.started_in:.1f}s" if started else "already running"
        console.print(f"Kafka at [bold]{settings.kafka.bootstrap}[/] ({where})")
        log = Path(settings.worker.data_dir) / "worker.log"
        with http_sink() as slack, mail_sink() as mail:
            settings = _with_receivers(settings, slack, mail)
            _run(settings, events, options, console, log, slack, mail)


def _with_receivers(settings: Settings, slack: Sink, mail: MailSink) -> Settings:
    """Subscriptions a sales lead would make: warnings and up to Slack, critical by email."""
    routing = Path(settings.worker.data_dir) / "demo-routing.yaml"
    routing.parent.mkdir(parents=True, exist_ok=True)
    timing = {"group_wait": 5, "group_interval": 30, "repeat_interval": 3600}
    routing.write_text(
        yaml.safe_dump(
            {
                "subscriptions": [
                    {
                        "id": "demo-slack",
                        "name": "Sales leads (Slack)",
                        "owner": "demo",
                        "channel": {"type": "slack", "webhook_url": f"{slack.url}/services/demo"},
                        "group_by": ["kpi", "dimension"],
                        **timing,
                    },
                    {
                        "id": "demo-email",
                        "name": "Head of sales (email)",
                        "owner": "demo",
                        "channel": {"type": "email", "to": ["head.of.sales@example.com"]},
                        "min_severity": "critical",
                        **timing,
                    },
                ]
            }
        )
    )
    smtp = settings.alerts.smtp.model_copy(update={"host": "127.0.0.1", "port": mail.port})
    alerts = settings.alerts.model_copy(update={"routing": routing, "smtp": smtp})
    return settings.model_copy(update={"alerts": alerts})


def _run(
    settings: Settings,
    events: Iterable[Envelope],
    options: DemoOptions,
    console: Console,
    log: Path,
    slack: Sink,
    mail: MailSink,
) -> None:
    with worker_process(settings, log):
        console.print(
            f"worker up; metrics at http://127.0.0.1:{settings.worker.web_port}/metrics; log {log}"
        )
        records = with_faults(events, options.fault_ratio)
        producer = _Producer(settings, records, options.rate)
        producer.start()
        try:
            _watch(settings, producer, options, console, slack, mail)
        finally:
            producer.stop()
            _summary(settings, producer, slack, mail, console)


def _header(producer: _Producer) -> str:
    if producer.error is not None:
        return f"[red]producer failed: {producer.error!r}[/]"
    if producer.report is not None:
        return f"simulation sent: {producer.report.sent:,} messages (Ctrl-C to stop)"
    return "simulation running (Ctrl-C to stop)"


def _watch(
    settings: Settings,
    producer: _Producer,
    options: DemoOptions,
    console: Console,
    slack: Sink,
    mail: MailSink,
) -> None:
    base = f"http://127.0.0.1:{settings.worker.web_port}"
    url = f"{base}/metrics"
    deadline = time.monotonic() + options.duration if options.duration else None
    before: Snapshot | None = None
    try:
        with Live(console=console, refresh_per_second=4) as live:
            while deadline is None or time.monotonic() < deadline:
                now = scrape(url)
                kpis = company_kpis(base)
                live.update(
                    Group(render(now, before, _header(producer), kpis), _alerts(slack, mail))
                )
                before = now
                time.sleep(options.refresh_seconds)
    except KeyboardInterrupt:
        console.print("stopping ...")


def _alerts(slack: Sink, mail: MailSink) -> Table:
    """The last messages the receivers got: what a sales lead would have seen."""
    table = Table(title="alerts delivered (local Slack stand-in and mail server)", expand=True)
    table.add_column("to")
    table.add_column("message")
    rows = [("slack", str(body.get("text", "")).splitlines()[0]) for body in slack.delivered()]
    rows += [("email", str(message["Subject"])) for message in mail.messages]
    for channel, text in rows[-8:]:
        table.add_row(channel, text[:140])
    if not rows:
        table.add_row("–", "none yet: detectors judge a day once it is over (warm-up: 5 weeks)")
    return table


def _summary(
    settings: Settings, producer: _Producer, slack: Sink, mail: MailSink, console: Console
) -> None:
    base = f"http://127.0.0.1:{settings.worker.web_port}"
    try:
        snapshot = scrape(f"{base}/metrics")
    except Exception:  # noqa: BLE001 - the worker may be gone already; say what we have
        snapshot = None
    sent = producer.report.sent if producer.report else 0
    table = Table(title="demo summary")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("events sent by the simulator", f"{sent:,}")
    if snapshot is not None:
        for name, label in (
            ("salespulse_ingest_events_total", "events valid"),
            ("salespulse_ingest_dead_letters_total", "dead letters"),
            ("salespulse_anomalies_total", "anomaly records (firing)"),
            ("salespulse_notifications_total", "notifications delivered or failed"),
        ):
            table.add_row(label, f"{snapshot.total(name):,.0f}")
    table.add_row("Slack messages received", str(len(slack.delivered())))
    table.add_row("emails received", str(len(mail.messages)))
    console.print(table)
