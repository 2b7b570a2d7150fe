"""``salespulse simulate``: write a simulated event stream to a file or to Kafka.

The command only parses options, picks the sink and prints a summary; the simulation
itself is ``salespulse.simulate.simulate``. Kafka modules are imported inside the one
function that sends, so writing a file never needs a broker client.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from salespulse.events import SalesEvent
from salespulse.simulate.anomalies import Anomaly, write_labels
from salespulse.simulate.config import MAX_DAYS, MAX_SCALE, SimulationConfig, parse_anomalies
from salespulse.simulate.engine import simulate as run_simulation


@click.command("simulate")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option(
    "--days",
    type=click.IntRange(1, MAX_DAYS),
    default=30,
    show_default=True,
    help="Days to simulate.",
)
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2026-01-01",
    show_default=True,
    help="First simulated day (Europe/Minsk).",
)
@click.option(
    "--scale",
    type=click.FloatRange(0, MAX_SCALE, min_open=True),
    default=1.0,
    show_default=True,
    help="Multiplier on lead volume (and the customer book).",
)
@click.option(
    "--anomalies",
    default="",
    metavar="KIND[,KIND...]",
    help="Anomalies to inject: win_rate_collapse, churn_spike, spend_without_leads, "
    "pipeline_drop, cycle_lengthening, revenue_behind_plan, or 'all'.",
)
@click.option(
    "--labels",
    "labels_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the anomaly labels [default: <output>.labels.json].",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.jsonl",
    help="Write one JSON event per line here instead of sending to Kafka.",
)
@click.option(
    "--rate",
    type=click.FloatRange(0, min_open=True),
    help="Events per second when sending to Kafka [default: as fast as possible].",
)
def simulate(
    seed: int,
    days: int,
    start: datetime,
    scale: float,
    anomalies: str,
    labels_path: Path | None,
    output: Path | None,
    rate: float | None,
) -> None:
    """Simulate a sales organisation's events, optionally with labelled anomalies."""
    config = _config(seed, days, start, scale, anomalies)
    result = run_simulation(config)
    counts: Counter[str] = Counter()
    events = _counted(result.events, counts)
    if output is not None:
        _write(output, events)
    else:
        _send(events, rate)
    labels_path = _labels_path(labels_path, output)
    if labels_path is not None:
        write_labels(labels_path, result.labels)
    _summary(Console(), counts, result.labels, output, labels_path)


def _config(seed: int, days: int, start: datetime, scale: float, kinds: str) -> SimulationConfig:
    try:
        anomalies = parse_anomalies(kinds)
        return SimulationConfig(seed, days, start.date(), scale, anomalies)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--anomalies") from None


def _labels_path(explicit: Path | None, output: Path | None) -> Path | None:
    """``--labels``, else next to the output file; with neither, labels are only printed."""
    if explicit is not None or output is None:
        return explicit
    return output.with_name(output.name + ".labels.json")


def _counted(events: Iterable[SalesEvent], counts: Counter[str]) -> Iterator[SalesEvent]:
    for event in events:
        counts[event.type] += 1
        yield event


def _write(path: Path, events: Iterable[SalesEvent]) -> None:
    with path.open("wb") as sink:
        for event in events:
            sink.write(event.to_json())
            sink.write(b"\n")


def _send(events: Iterable[SalesEvent], rate: float | None) -> None:
    """Produce to the raw events topic; the only code path that touches Kafka."""
    from salespulse.exceptions import ConfigError
    from salespulse.settings import load_settings
    from streams.producer import produce

    try:
        settings = load_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    asyncio.run(produce(settings, events, rate=rate))


def _summary(
    console: Console,
    counts: Counter[str],
    labels: list[Anomaly],
    output: Path | None,
    labels_path: Path | None,
) -> None:
    table = Table(title=f"Simulated events -> {output or 'Kafka'}")
    table.add_column("type")
    table.add_column("events", justify="right")
    for event_type, count in sorted(counts.items()):
        table.add_row(event_type, f"{count:,}")
    table.add_row("total", f"{sum(counts.values()):,}", style="bold")
    console.print(table)
    if labels:
        console.print(_labels_table(labels, labels_path))


def _labels_table(labels: list[Anomaly], path: Path | None) -> Table:
    """One row per anomaly; the file has full timestamps, the table the days."""
    table = Table(title=f"Injected anomalies -> {path or 'not written'}")
    for column in ("kind", "kpi", "scope", "window"):
        table.add_column(column, overflow="fold")
    for a in labels:
        last = (a.end - timedelta(days=1)).date()
        table.add_row(a.kind.value, a.kpi, f"{a.dimension}={a.key}", f"{a.start.date()}..{last}")
    return table
