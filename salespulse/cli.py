"""``salespulse``: every command of the project in one console script."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from types import FrameType

import click
import orjson

from salespulse.exceptions import SalesPulseError
from salespulse.settings import Settings, load_settings


def _settings() -> Settings:
    try:
        return load_settings()
    except SalesPulseError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
@click.version_option(package_name="salespulse")
def main() -> None:
    """SalesPulse: streaming alerting for sales KPIs on Kafka."""


@main.command()
def schema() -> None:
    """Print the JSON Schema of every event type."""
    from salespulse.events import json_schema

    click.echo(orjson.dumps(json_schema(), option=orjson.OPT_INDENT_2).decode())


@main.command()
def broker() -> None:
    """Run a local single-node Kafka (KRaft) until Ctrl-C or SIGTERM."""
    from streams.broker import LocalBroker

    settings = _settings()
    local = LocalBroker(settings)
    try:
        started = local.start()
    except SalesPulseError as exc:
        raise click.ClickException(str(exc)) from None
    if not started:
        click.echo(f"Kafka at {settings.kafka.bootstrap} already answers; nothing started.")
        return
    click.echo(
        f"Kafka {settings.broker.kafka_version} ready at {settings.kafka.bootstrap} "
        f"in {local.started_in:.1f}s; log: {local.log_file}"
    )
    _wait_for_signal()
    click.echo("stopping Kafka ...")
    local.stop()


def _wait_for_signal() -> None:
    received: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)
    while not received:
        signal.pause()


@main.command()
def worker() -> None:
    """Run the Faust worker (ingest and every downstream agent)."""
    from streams.worker import run_worker

    run_worker(_settings())


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--speed",
    type=float,
    default=None,
    help="Time compression: 3600 plays an hour of event time per second. "
    "Omit to send as fast as possible.",
)
@click.option("--topic", default=None, help="Target topic (default: the raw events topic).")
def replay(file: Path, speed: float | None, topic: str | None) -> None:
    """Send a JSONL file of events to Kafka, lines as they are (invalid ones included)."""
    from streams.replay import replay_file

    report = asyncio.run(replay_file(_settings(), file, speed=speed, topic=topic))
    click.echo(f"sent {report.sent} messages in {report.seconds:.2f}s ({report.rate:,.0f}/s)")


def _register_optional() -> None:
    from salespulse.importers.command import import_command
    from salespulse.simulate.command import simulate

    main.add_command(simulate, "simulate")
    main.add_command(import_command, "import")


try:
    _register_optional()
except ImportError as exc:  # pragma: no cover - only while a module is being written
    print(f"warning: {exc}", file=sys.stderr)
