"""``salespulse simulate`` through click: file output, labels, Kafka hand-off, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from salespulse.events import parse_event
from salespulse.simulate.command import simulate


def test_thirty_days_to_a_file_with_default_labels_path(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    result = CliRunner().invoke(simulate, ["--days", "30", "--seed", "5", "--scale", "0.2",
                                           "--anomalies", "churn_spike,pipeline_drop",
                                           "--output", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_bytes().splitlines()
    assert len(lines) > 10_000
    events = [parse_event(line) for line in lines]
    assert events[-1].time.date().isoformat() == "2026-01-30"
    labels = json.loads((tmp_path / "events.jsonl.labels.json").read_text())
    assert [label["kind"] for label in labels] == ["churn_spike", "pipeline_drop"]
    assert "lead.created" in result.output and "churn_spike" in result.output
    assert f"{len(lines):,}" in result.output


def test_explicit_labels_path_and_no_anomalies(tmp_path: Path) -> None:
    out, labels = tmp_path / "e.jsonl", tmp_path / "truth.json"
    result = CliRunner().invoke(simulate, ["--days", "2", "--scale", "0.05", "--output",
                                           str(out), "--labels", str(labels)])
    assert result.exit_code == 0, result.output
    assert json.loads(labels.read_text()) == []
    assert not (tmp_path / "e.jsonl.labels.json").exists()


def test_same_options_write_identical_files(tmp_path: Path) -> None:
    runner = CliRunner()
    for name in ("a.jsonl", "b.jsonl"):
        args = ["--days", "3", "--scale", "0.1", "--seed", "9", "--output", str(tmp_path / name)]
        assert runner.invoke(simulate, args).exit_code == 0
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_unknown_anomaly_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(simulate, ["--anomalies", "meteor_strike",
                                           "--output", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 2
    assert "meteor_strike" in result.output
    assert not (tmp_path / "x.jsonl").exists()


def test_without_output_events_go_to_kafka_at_the_given_rate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import streams.producer

    sent: dict = {}

    async def fake_produce(settings, records, *, rate=None, **_):
        sent["events"] = list(records)
        sent["rate"] = rate
        sent["topic"] = settings.topics.events

    monkeypatch.delenv("SALESPULSE_CONFIG", raising=False)
    monkeypatch.setattr(streams.producer, "produce", fake_produce)
    result = CliRunner().invoke(simulate, ["--days", "1", "--scale", "0.05", "--rate", "250"])
    assert result.exit_code == 0, result.output
    assert sent["rate"] == 250.0 and sent["topic"] == "sales.events"
    assert len(sent["events"]) > 100
    assert "Kafka" in result.output


def test_the_simulator_does_not_import_kafka_or_faust() -> None:
    import subprocess
    import sys

    code = ("import sys, salespulse.simulate, salespulse.simulate.command; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'faust', 'aiokafka', 'kafka', 'streams'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
