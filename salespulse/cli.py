"""``salespulse``: every command of the project in one console script."""

from __future__ import annotations

import asyncio
import platform
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


@main.command()
@click.option("--rate", type=float, default=1500.0, show_default=True, help="Events per second.")
@click.option("--days", type=int, default=90, show_default=True, help="Simulated days.")
@click.option("--seed", type=int, default=None, help="Simulator seed (default: from the clock).")
@click.option("--anomalies", default="all", show_default=True, help="Kinds to inject, or ''.")
@click.option(
    "--faults",
    type=float,
    default=0.01,
    show_default=True,
    help="Share of events followed by a bad message.",
)
@click.option("--duration", type=float, default=None, help="Stop after this many seconds.")
def demo(
    rate: float, days: int, seed: int | None, anomalies: str, faults: float, duration: float | None
) -> None:
    """Live demo: local Kafka, a worker and the simulator, with live ingest counts."""
    import time

    from rich.console import Console

    from salespulse.simulate import SimulationConfig, parse_anomalies, simulate
    from streams.demo import DemoOptions, run_demo
    from streams.supervise import isolated

    run_seed = seed if seed is not None else int(time.time())
    settings = isolated(_settings(), f"demo-{run_seed}")  # re-runs never mix histories
    config = SimulationConfig(seed=run_seed, days=days, anomalies=parse_anomalies(anomalies))
    options = DemoOptions(rate=rate, fault_ratio=faults, duration=duration)
    try:
        run_demo(settings, simulate(config).events, options, Console())
    except SalesPulseError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.option(
    "--events",
    "count",
    type=click.IntRange(1000, 5_000_000),
    default=200_000,
    show_default=True,
    help="Events to produce (the simulator's mix).",
)
@click.option(
    "--scale",
    type=click.FloatRange(0.05, 100.0),
    default=4.0,
    show_default=True,
    help="Simulator volume: events per day (4.0: about 10k a day).",
)
@click.option(
    "--companies",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Merge this many simulated companies: KPI and detector series grow k-fold.",
)
@click.option("--skip-latency", is_flag=True, help="Skip the fixed-load and anomaly latencies.")
@click.option("--skip-scale", is_flag=True, help="Skip the two-worker run.")
@click.option("--backtest", is_flag=True, help="Only the no-Kafka path: backtest and state size.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def bench(
    count: int,
    scale: float,
    companies: int,
    skip_latency: bool,
    skip_scale: bool,
    backtest: bool,
    as_json: bool,
) -> None:
    """Pipeline throughput, latency, memory and scaling through the real broker (see
    docs/performance.md); throughput also as a ratio of plain aiokafka on the same topic."""
    from bench.mix import mix_events
    from bench.pipeline import Options, run
    from bench.state import backtest_state
    from streams.broker import LocalBroker

    settings = _settings()
    events = mix_events(count, scale=scale, companies=companies)
    result: dict[str, object]
    if backtest:
        result = {"events": len(events), **backtest_state([e.to_json() for e in events], settings)}
    else:
        broker = LocalBroker(settings)
        try:
            started = broker.start()
        except SalesPulseError as exc:
            raise click.ClickException(str(exc)) from None
        try:
            result = run(settings, events, Options(latency=not skip_latency, scale=not skip_scale))
        finally:
            if started:
                broker.stop()
        if started:
            result["broker_start_seconds"] = round(broker.started_in or 0.0, 2)
    # every figure depends on the interpreter's build (a PGO/LTO CPython runs the pure
    # code faster), and the worker processes run on this same one
    result["python"] = f"{platform.python_version()} {sys.executable}"
    if as_json:
        click.echo(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
    else:
        for key, value in result.items():
            click.echo(f"{key:>36}: {value}")


@main.command("bench-detectors")
@click.option("--seeds", default="1,2,3,4,5", show_default=True, help="Comma-separated seeds.")
@click.option("--days", type=click.IntRange(40, 730), default=90, show_default=True)
@click.option("--scale", type=click.FloatRange(0.05, 4.0), default=1.0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def bench_detectors(seeds: str, days: int, scale: float, as_json: bool) -> None:
    """Detector precision, recall, delay and false-alert rate on labelled simulated streams."""
    from bench.detectors import run

    try:
        chosen = [int(s) for s in seeds.split(",") if s.strip()]
    except ValueError:
        raise click.BadParameter("seeds must be integers separated by commas") from None
    result = run(chosen, days=days, scale=scale)
    if as_json:
        click.echo(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
    else:
        for key, value in result.items():
            click.echo(f"{key:>36}: {value}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print every KPI value as JSON.")
@click.option("--no-scores", is_flag=True, help="Skip opportunity scoring (faster).")
@click.option(
    "--detect",
    is_flag=True,
    help="Also judge every closed day with the default detector policy (anomaly records).",
)
def backtest(file: Path, as_json: bool, no_scores: bool, detect: bool) -> None:
    """Compute every KPI (and the anomalies of each day) over a JSONL file, with no Kafka."""
    from salespulse.kpis import backtest_file
    from salespulse.kpis.report import print_summary

    config = _settings().kpi.engine_config()
    result = backtest_file(file, config, scores=not no_scores, detect=detect)
    if as_json:
        click.echo(orjson.dumps(result.to_dict(), option=orjson.OPT_INDENT_2).decode())
    else:
        print_summary(result)


def _register_packaged_commands() -> None:
    """Commands whose code lives beside its package (simulator, importers, detectors)."""
    from alerts.cli import silence, subscribe
    from detectors.command import detect_file
    from salespulse.importers.command import import_command
    from salespulse.simulate.command import simulate

    main.add_command(silence, "silence")
    main.add_command(subscribe, "subscribe")
    main.add_command(detect_file, "detect-file")
    main.add_command(simulate, "simulate")
    main.add_command(import_command, "import")


_register_packaged_commands()
