"""``salespulse import CSV --mapping NAME_OR_PATH``: CSV exports in, events out.

Events go to Kafka (the raw events topic, through ``streams.producer``) or, with
``--output``, to a JSONL file. The command exits 0 whenever the import ran, even
with rejected rows (they are reported); a bad mapping, a missing or unreadable
file or an unreachable broker exits 1 with one line on stderr.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import click
from rich.console import Console

from salespulse.events import Envelope
from salespulse.exceptions import BrokerError, SalesPulseError
from salespulse.importers.engine import Importer
from salespulse.importers.loader import available_mappings, load_mapping
from salespulse.importers.render import render_report
from salespulse.importers.report import ImportReport
from salespulse.settings import load_settings

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.command("import")
@click.argument("csv_path", metavar="CSV", type=_FILE)
@click.option(
    "--mapping",
    "-m",
    "mapping_ref",
    required=True,
    metavar="NAME_OR_PATH",
    help=f"A packaged mapping ({', '.join(available_mappings())}) or a YAML file.",
)
@click.option("--output", "-o", type=_FILE, help="Write events to this JSONL file, not Kafka.")
@click.option("--rejects", type=_FILE, help="Write every rejected row to this JSONL file.")
@click.option("--limit", type=click.IntRange(min=1), help="Read only the first N data rows.")
@click.option(
    "--show",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="How many rejected rows to print.",
)
def import_command(
    csv_path: Path,
    mapping_ref: str,
    output: Path | None,
    rejects: Path | None,
    limit: int | None,
    show: int,
) -> None:
    """Import a CSV export (.csv or .csv.gz) as SalesPulse events through a column mapping."""
    try:
        report = run_import(csv_path, mapping_ref, output, rejects, limit=limit, show=show)
    except SalesPulseError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"{exc.filename or ''}: {exc.strerror or exc}") from None
    title = f"{csv_path.name} via {Path(mapping_ref).stem}"
    render_report(report, Console(), title=title)


def run_import(
    csv_path: Path,
    mapping_ref: str | Path,
    output: Path | None = None,
    rejects: Path | None = None,
    *,
    limit: int | None = None,
    show: int = 10,
) -> ImportReport:
    """Import ``csv_path`` to ``output`` (JSONL) or, when ``None``, to Kafka."""
    mapping = load_mapping(mapping_ref)
    report = ImportReport(sample_size=show)
    with Importer(mapping, csv_path, limit=limit) as importer, _open_or_none(rejects) as out:
        events = report.track(importer, out)
        if output is None:
            send_to_kafka(events)
        else:
            write_jsonl(events, output)
        report.rows_read = importer.rows_read
    return report


def write_jsonl(events: Iterable[Envelope], path: Path) -> int:
    written = 0
    with path.open("wb") as out:
        for event in events:
            out.write(event.to_json() + b"\n")
            written += 1
    return written


def send_to_kafka(events: Iterable[Envelope]) -> int:
    """The one place that touches Kafka (aiokafka is imported only here)."""
    from aiokafka.errors import KafkaError

    from streams.producer import produce

    settings = load_settings()
    try:
        return asyncio.run(produce(settings, events)).sent
    except KafkaError as exc:
        where = settings.kafka.bootstrap
        raise BrokerError(f"cannot send to Kafka at {where}: {exc}") from None


@contextmanager
def _open_or_none(path: Path | None) -> Iterator[BinaryIO | None]:
    if path is None:
        yield None
        return
    with path.open("wb") as handle:
        yield handle
