"""The events the benchmark sends: the simulator's realistic mix, optionally several companies.

``companies=k`` merges k simulated companies (seeds 7, 8, ...) by event time, every id
and dimension key prefixed with its company, so KPI and detector series grow k-fold at
the same events per day and per series: the knob for "how does cost grow with series".
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from itertools import islice

from salespulse.events import SalesEvent, event_from_dict
from salespulse.simulate import SimulationConfig, simulate

MIX = SimulationConfig(seed=7, days=3660, scale=4.0)
_KEYED = frozenset(
    {
        "lead_id",
        "opportunity_id",
        "order_id",
        "original_order_id",
        "customer_id",
        "campaign",
        "rep",
        "team",
        "region",
        "product",
        "channel",
    }
)


def mix_events(count: int, scale: float = MIX.scale, companies: int = 1) -> list[SalesEvent]:
    """The first ``count`` events of the mix, in event-time order."""
    streams = [
        _company(simulate(replace(MIX, seed=MIX.seed + i, scale=scale)).events, i, companies)
        for i in range(companies)
    ]
    merged = streams[0] if companies == 1 else heapq.merge(*streams, key=lambda e: e.time)
    return list(islice(merged, count))


def _company(events: Iterable[SalesEvent], index: int, companies: int) -> Iterator[SalesEvent]:
    if companies == 1:
        yield from events
        return
    prefix = f"c{index}-"
    for event in events:
        body = event.model_dump(mode="json", exclude_none=True)
        body["id"] = prefix + body["id"]
        data = body["data"]
        for name in _KEYED & data.keys():
            data[name] = prefix + data[name]
        scope = data.get("scope")
        if scope is not None and scope["dimension"] != "company":
            scope["key"] = prefix + scope["key"]
        yield event_from_dict(body)


class Stamper:
    """Events of the daily flow (no opening snapshot) whose time is set when sent.

    Pre-encoded once; ``stamp`` splices an ISO timestamp into the JSON, so a
    5,000 events/s producer spends microseconds per event, not a pydantic round trip.
    Ids are made unique when the source is cycled (ingest drops a repeated id).
    """

    def __init__(self, events: Sequence[SalesEvent]) -> None:
        flow = [e for e in events if e.time.date() >= MIX.start] or list(events)
        self.parts = [_split(e.to_json()) for e in flow]
        self.keys = [e.entity_key.encode() for e in flow]
        self.keyed_by_id = [e.entity_key == e.id for e in flow]
        self.sent = 0

    def next(self) -> tuple[bytes, bytes, bytes]:
        """(key, JSON before the time value, JSON after it) of the next event."""
        index, cycle = self.sent % len(self.parts), self.sent // len(self.parts)
        self.sent += 1
        (head, tail), key = self.parts[index], self.keys[index]
        if cycle:
            suffix = f"-r{cycle}".encode()
            head = head.replace(b'","time":"', suffix + b'","time":"', 1)
            key = key + suffix if self.keyed_by_id[index] else key
        return key, head, tail


def _split(raw: bytes) -> tuple[bytes, bytes]:
    start = raw.index(b'"time":"') + len(b'"time":"')
    return raw[:start], raw[raw.index(b'"', start) :]
