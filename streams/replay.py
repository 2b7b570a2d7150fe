"""Replay a JSONL file into Kafka, optionally time-compressed by event time.

Lines are sent as they are, valid or not, so a replay of a captured stream
exercises ingest exactly as the original producers did.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import orjson

from salespulse.events.envelope import KEY_FIELDS
from salespulse.settings import Settings
from streams.producer import ProduceReport, produce


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        for line in fh:
            line = line.rstrip(b"\r\n")
            if line:
                yield line


def _key_and_time(line: bytes) -> tuple[bytes | None, float | None]:
    try:
        obj = orjson.loads(line)
        stamp = datetime.fromisoformat(obj["time"]).timestamp()
        data = obj.get("data") or {}
        for name in KEY_FIELDS:
            if name in data:
                return str(data[name]).encode(), stamp
        return None, stamp
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        return None, None


async def _paced(path: Path, speed: float) -> AsyncIterator[tuple[bytes | None, bytes]]:
    wall0 = time.monotonic()
    event0: float | None = None
    for line in _lines(path):
        key, stamp = _key_and_time(line)
        if stamp is not None:
            event0 = stamp if event0 is None else event0
            ahead = (stamp - event0) / speed - (time.monotonic() - wall0)
            if ahead > 0:
                await asyncio.sleep(ahead)
        yield key, line


def _fast(path: Path) -> Iterator[tuple[bytes | None, bytes]]:
    for line in _lines(path):
        yield _key_and_time(line)[0], line


async def replay_file(
    settings: Settings, path: Path, *, speed: float | None = None, topic: str | None = None
) -> ProduceReport:
    if speed is not None and speed <= 0:
        raise ValueError("speed must be positive")
    records = _paced(path, speed) if speed else _fast(path)
    return await produce(settings, records, topic=topic)
