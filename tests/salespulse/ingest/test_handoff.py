"""The handoff returns exactly what a second validation would, once, and stays bounded."""

from __future__ import annotations

import pytest

from salespulse.events import parse_event
from salespulse.ingest.handoff import ValidatedHandoff
from salespulse.simulate import SimulationConfig, simulate


def _raws(n: int) -> list[bytes]:
    events = simulate(SimulationConfig(seed=4, days=3, scale=0.2)).events
    return [event.to_json() for _, event in zip(range(n), events, strict=False)]


def test_a_taken_event_equals_a_fresh_validation_and_is_taken_once() -> None:
    raws = _raws(50)
    handoff = ValidatedHandoff(capacity=100)
    for raw in raws:
        handoff.put(raw, parse_event(raw))
    for raw in raws:
        assert handoff.take(raw) == parse_event(raw)
        assert handoff.take(raw) is None
    assert (handoff.hits, handoff.misses, len(handoff)) == (50, 50, 0)


def test_over_capacity_the_oldest_go_first() -> None:
    raws = _raws(10)
    handoff = ValidatedHandoff(capacity=4)
    for raw in raws:
        handoff.put(raw, parse_event(raw))
        assert len(handoff) <= 4
    assert handoff.full() and handoff.evicted == 6
    assert [handoff.take(r) is not None for r in raws] == [False] * 6 + [True] * 4


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="capacity"):
        ValidatedHandoff(capacity=0)
