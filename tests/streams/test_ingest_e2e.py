"""Through the real broker: a worker process routes every message to typed or DLQ."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import orjson
import pytest

from salespulse.events import EVENT_TYPES
from salespulse.settings import Settings
from streams.producer import produce
from tests.support.examples import example
from tests.support.kafka import isolated, read_topic, worker_process

pytestmark = pytest.mark.kafka

MAX_BYTES = 2048


def _valid() -> list[tuple[bytes, bytes]]:
    out = []
    for n in range(25):
        for event_type in EVENT_TYPES:
            event = example(event_type, n)
            out.append((f"good-{event['id']}".encode(), orjson.dumps(event)))
    return out


def _invalid() -> dict[bytes, tuple[bytes, str]]:
    naive = example("order.placed", 900)
    naive["time"] = "2026-03-02T10:15:00"
    bad_currency = example("order.placed", 901)
    bad_currency["data"]["currency"] = "XYZ"
    v2 = example("lead.created", 902)
    v2["schema_version"] = 2
    extra = example("lead.created", 903)
    extra["data"]["colour"] = "red"
    # a producer retry: same id and same key as a valid one above, so the same partition
    dup = example("customer.acquired", 0)
    cases = {
        b"malformed": (b'{"id": "x", ', "malformed_json"),
        b"binary": (b"\x00\xff\xfe\xfa", "malformed_json"),
        b"array": (b"[1, 2, 3]", "not_an_object"),
        b"no-type": (b'{"id": "x1", "data": {}}', "missing_type"),
        b"unknown": (b'{"type": "invoice.paid", "id": "x2"}', "unknown_type"),
        b"version": (orjson.dumps(v2), "unsupported_version"),
        b"naive-time": (orjson.dumps(naive), "schema_invalid"),
        b"currency": (orjson.dumps(bad_currency), "schema_invalid"),
        b"extra-field": (orjson.dumps(extra), "schema_invalid"),
        b"oversized": (
            orjson.dumps({**example("lead.created", 904), "pad": "x" * MAX_BYTES}),
            "oversized",
        ),
        f"good-{dup['id']}".encode(): (orjson.dumps(dup), "duplicate"),
    }
    return cases


async def test_every_message_ends_typed_or_dead_lettered(kafka: Settings, tmp_path: Path) -> None:
    settings = isolated(kafka, tmp_path, max_message_bytes=MAX_BYTES)
    valid = _valid()
    invalid = _invalid()
    with worker_process(settings, tmp_path / "worker.log"):
        await produce(settings, valid, chunk=100)
        # the duplicate must come after its original: send invalid ones afterwards
        await produce(settings, [(k, v) for k, (v, _) in invalid.items()])
        typed = await read_topic(settings, settings.topics.typed, len(valid))
        dlq = await read_topic(settings, settings.topics.dlq, len(invalid))
        metrics = httpx.get(f"http://127.0.0.1:{settings.worker.web_port}/metrics").text

    assert sorted(r.value for r in typed) == sorted(v for _, v in valid)
    assert {dict(r.headers)["salespulse-type"].decode() for r in typed} == set(EVENT_TYPES)

    letters = {r.key: json.loads(r.value) for r in dlq}
    assert len(dlq) == len(invalid), "each invalid message exactly once"
    for key, (raw, reason) in invalid.items():
        letter = letters[key]
        assert letter["reason"] == reason, (key, letter)
        assert letter["topic"] == settings.topics.events and letter["offset"] >= 0
        assert letter["errors"], "the DLQ record says why"
    assert letters[b"currency"]["errors"][0]["path"] == "data.currency"
    assert letters[b"oversized"]["payload_truncated"] is False  # 4 KiB prefix kept whole
    assert 'salespulse_ingest_dead_letters_total{reason="schema_invalid"} 3.0' in metrics
    assert f"salespulse_ingest_messages_total {len(valid) + len(invalid)}.0" in metrics
