"""``salespulse detect-file``: run a KPI profile's ensemble over a series file, offline."""

from __future__ import annotations

from pathlib import Path

import click

from detectors.profiles import Profile, build
from detectors.series_file import detect, read_points, write_rows

__all__ = ["detect_file"]


@click.command("detect-file")
@click.argument("series", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--profile",
    type=click.Choice(["counts", "money", "ratio"]),
    default="money",
    show_default=True,
    help="Detector defaults: counts, money or ratio (ratio reads numerator,denominator).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the CSV here instead of stdout.",
)
def detect_file(series: Path, profile: Profile, output: Path | None) -> None:
    """Score SERIES (CSV: timestamp,value) and write timestamp,value,score,is_anomaly."""
    try:
        with series.open(newline="", encoding="utf-8") as source:
            rows = list(detect(read_points(source), build(profile)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{series}: {exc}") from None
    if output is None:
        write_rows(click.get_text_stream("stdout"), rows)
        return
    with output.open("w", newline="", encoding="utf-8") as target:
        write_rows(target, rows)
