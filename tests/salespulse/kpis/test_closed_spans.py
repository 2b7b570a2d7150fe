"""Window sums reuse cached sums of the days before today; late events must invalidate them.

Values computed with the engine's cache warm are compared, at many points of a stream
with events held back (some land in grace, on days already summed), with values
computed from a cold cache: any stale sum shows up as a difference.
"""

from __future__ import annotations

from salespulse.kpis import KpiConfig, KpiEngine
from salespulse.kpis.compute import all_values
from tests.salespulse.kpis.test_exactness import reordered, simulated


def _cold(engine: KpiEngine) -> list[object]:
    saved = dict(engine.closed_spans)
    engine.closed_spans.clear()
    try:
        return [v.to_dict() for v in all_values(engine, scores=False)]
    finally:
        engine.closed_spans.clear()
        engine.closed_spans.update(saved)


def test_cached_window_sums_equal_fresh_ones_through_late_events() -> None:
    events = reordered(simulated(5, 40, 0.2), seed=5, share=0.05, most=400)
    engine = KpiEngine(KpiConfig())
    checked = hits_possible = 0
    for i, event in enumerate(events, start=1):
        engine.apply(event)
        if i % 97 == 0:
            warm = [v.to_dict() for v in all_values(engine, scores=False)]
            hits_possible += len(engine.closed_spans)
            assert warm == _cold(engine), f"after event {i}"
            checked += 1
    assert checked > 50 and hits_possible > 0
    assert any(v > 1 for v in engine.past_version.values())  # late events did bump
