"""``salespulse import`` without ``--output``: the events reach the raw topic of a real broker."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from salespulse.events import parse_event
from salespulse.importers.command import import_command
from salespulse.settings import Settings
from tests.support.kafka import isolated, read_topic

pytestmark = pytest.mark.kafka

CSV = (
    "mql_id,first_contact_date,landing_page_id,origin\n"
    "lead1,2018-02-01,page1,social\n"
    "lead2,2018-02-02,page2,\n"
    "lead3,not-a-date,page3,email\n"
)


def test_events_are_sent_to_the_raw_topic(
    kafka: Settings, tmp_path: Path, write_csv: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = isolated(kafka, tmp_path)
    monkeypatch.delenv("SALESPULSE_CONFIG", raising=False)
    monkeypatch.setenv("SALESPULSE_KAFKA__BOOTSTRAP_SERVERS", settings.kafka.bootstrap)
    monkeypatch.setenv("SALESPULSE_TOPICS__EVENTS", settings.topics.events)
    result = CliRunner().invoke(import_command, [str(write_csv(CSV)), "-m", "olist_leads"])
    assert result.exit_code == 0, result.output
    assert "3 rows read, 2 events, 1 rejected" in " ".join(result.stdout.split())

    records = asyncio.run(read_topic(settings, settings.topics.events, expected=2, timeout=30))
    events = sorted((r.key, parse_event(r.value)) for r in records)
    assert [(key, e.id, e.data.channel) for key, e in events] == [  # type: ignore[union-attr]
        (b"lead1", "olist-lead-lead1", "social"),
        (b"lead2", "olist-lead-lead2", "unknown"),
    ]
