"""Bad messages mixed into a good stream, so the demo shows the dead-letter path live.

Each kind is one thing a real producer gets wrong; the demo and the benchmark
both use this mix, so what they show is what ingest does with it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

import orjson

from salespulse.events import Envelope

Record = tuple[bytes | None, bytes]


def _naive_time(event: Envelope) -> bytes:
    obj = orjson.loads(event.to_json())
    obj["time"] = event.time.replace(tzinfo=None).isoformat()
    obj["id"] = obj["id"] + "-naive"
    return orjson.dumps(obj)


def _bad_currency(event: Envelope) -> bytes:
    obj = orjson.loads(event.to_json())
    obj["data"]["currency"] = "BYR"  # withdrawn in 2016: not an active ISO 4217 code
    obj["id"] = obj["id"] + "-byr"
    return orjson.dumps(obj)


def _unknown_type(event: Envelope) -> bytes:
    obj = orjson.loads(event.to_json())
    obj["type"] = "invoice.paid"
    return orjson.dumps(obj)


def _faults(event: Envelope) -> list[bytes]:
    return [
        event.to_json(),  # a producer retry: duplicate id
        event.to_json()[:-7],  # truncated JSON
        _unknown_type(event),
        _naive_time(event),
        _bad_currency(event),
        b"\x00\x01binary",
        b"[]",
    ]


def with_faults(events: Iterable[Envelope], ratio: float, seed: int = 0) -> Iterator[Record]:
    """Yield every event as a (key, value) record, plus a bad one after ``ratio`` of them."""
    if not 0 <= ratio < 1:
        raise ValueError("ratio must be in [0, 1)")
    rng = random.Random(seed)
    for event in events:
        key = event.entity_key.encode()
        yield key, event.to_json()
        if ratio and rng.random() < ratio:
            yield key, rng.choice(_faults(event))
