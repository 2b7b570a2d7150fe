"""``salespulse import`` through click's runner: files, Kafka (faked), exit codes, messages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from click.testing import CliRunner, Result

from salespulse.events import Envelope, parse_event
from salespulse.importers.command import import_command

CSV = (
    "Invoice,Sku,Qty,Price,Date,Customer\n"
    "1,A,2,1.50,2011-01-03 10:00,c1\n"
    "1,B,1,0.25,2011-01-03 10:00,c1\n"
    "2,A,1,2.00,2011-01-03 11:00,\n"
    "3,A,1,3.00,2011-01-03 12:00,c2\n"
)

MAPPING: dict[str, Any] = {
    "source": "shop",
    "timezone": "Europe/London",
    "currency": "GBP",
    "rules": [
        {
            "type": "order.placed",
            "group_by": "{Invoice}",
            "id": {"template": "shop-{Invoice}"},
            "time": {"datetime": "Date", "format": "%Y-%m-%d %H:%M"},
            "data": {
                "order_id": {"column": "Invoice"},
                "customer_id": {"column": "Customer"},
                "amount": {
                    "multiply": [{"column": "Qty"}, {"column": "Price"}],
                    "aggregate": "sum",
                },
                "kind": {"const": "new"},
                "product": {"column": "Sku"},
            },
        }
    ],
}


@pytest.fixture
def files(tmp_path: Path, write_csv: Callable[..., Path]) -> tuple[Path, Path]:
    mapping = tmp_path / "shop.yaml"
    mapping.write_text(yaml.safe_dump(MAPPING))
    return write_csv(CSV), mapping


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(import_command, [str(a) for a in args])


def flat(text: str) -> str:
    """Rich wraps to the terminal width; compare with whitespace collapsed."""
    return " ".join(text.split())


def test_output_and_rejects_files(files: tuple[Path, Path], tmp_path: Path) -> None:
    csv_path, mapping = files
    out, rejects = tmp_path / "events.jsonl", tmp_path / "rejects.jsonl"
    result = invoke(csv_path, "--mapping", mapping, "--output", out, "--rejects", rejects)
    assert result.exit_code == 0, result.output
    events = [parse_event(line) for line in out.read_bytes().splitlines()]
    assert [(e.id, str(e.data.amount)) for e in events] == [  # type: ignore[union-attr]
        ("shop-1", "3.25"),
        ("shop-3", "3.00"),
    ]
    (reject,) = [orjson.loads(line) for line in rejects.read_bytes().splitlines()]
    assert reject["line"] == 4 and reject["group"] == "2"
    assert reject["reason"] == "data.customer_id: Field required (column Customer is empty)"
    assert "4 rows read, 2 events, 1 rejected" in flat(result.stdout)
    assert "data.customer_id: Field required" in flat(result.stdout)


def test_limit(files: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    result = invoke(files[0], "-m", files[1], "-o", out, "--limit", "2")
    assert result.exit_code == 0, result.output
    assert len(out.read_bytes().splitlines()) == 1
    assert "2 rows read, 1 events, 0 rejected" in flat(result.stdout)


def test_without_output_events_go_to_kafka(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import streams.producer

    sent: list[Envelope] = []

    async def fake_produce(settings: Any, records: Iterable[Envelope]) -> Any:
        sent.extend(records)
        return streams.producer.ProduceReport(sent=len(sent), seconds=0.1)

    monkeypatch.delenv("SALESPULSE_CONFIG", raising=False)
    monkeypatch.setattr(streams.producer, "produce", fake_produce)
    result = invoke(files[0], "--mapping", files[1])
    assert result.exit_code == 0, result.output
    assert [e.id for e in sent] == ["shop-1", "shop-3"]


def test_an_unreachable_broker_is_one_line(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiokafka.errors import KafkaConnectionError

    import streams.producer

    async def failing_produce(settings: Any, records: Iterable[Envelope]) -> Any:
        raise KafkaConnectionError("Unable to bootstrap")

    monkeypatch.delenv("SALESPULSE_CONFIG", raising=False)
    monkeypatch.setattr(streams.producer, "produce", failing_produce)
    result = invoke(files[0], "--mapping", files[1])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot send to Kafka at 127.0.0.1:9092:")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "-m", "uci_online_retail"], "Error: missing.csv: no such file"),
        (["{csv}", "-m", "uci_retail"], "Error: no mapping 'uci_retail': not a file, nor"),
        (["{csv}", "-m", "{bad}"], "invalid mapping: rules.0.type: unknown event type 'order'"),
        (["{csv}", "-m", "uci_online_retail"], "the mapping uses 'Country', 'CustomerID'"),
    ],
)
def test_errors_exit_1_with_one_line(
    files: tuple[Path, Path], tmp_path: Path, args: list[str], message: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**MAPPING, "rules": [{**MAPPING["rules"][0], "type": "order"}]}))
    argv = [a.format(csv=files[0], bad=bad) for a in args]
    result = CliRunner().invoke(import_command, argv)
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""
