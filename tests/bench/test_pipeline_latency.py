"""The latency arithmetic of the benchmark and the events it stamps, without a broker."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice

from bench.latency import Publish, Sent, latencies, summary
from bench.mix import Stamper
from salespulse.events import parse_event
from salespulse.simulate import SimulationConfig, simulate


def _pub(watermark: int, created: int) -> Publish:
    return Publish(watermark_us=watermark, created_us=created, visible_us=created + 5_000)


def test_each_event_waits_for_the_first_record_whose_watermark_reaches_it() -> None:
    stamps = [1_000_000, 1_500_000, 2_000_000, 9_000_000]
    publishes = [_pub(1_200_000, 1_800_000), _pub(2_000_000, 2_600_000)]
    assert latencies(stamps, publishes, "created_us") == [800.0, 1100.0, 600.0]
    assert latencies(stamps, publishes, "visible_us") == [805.0, 1105.0, 605.0]


def test_a_late_record_with_an_older_watermark_does_not_cover_newer_events() -> None:
    publishes = [_pub(3_000_000, 3_500_000), _pub(1_000_000, 4_000_000)]
    assert latencies([2_000_000], publishes, "created_us") == [1500.0]


def test_summary_counts_events_no_record_reflected() -> None:
    sent = Sent(stamps=[1_000_000, 2_000_000, 3_000_000], seconds=1.0)
    result = summary(sent, [_pub(2_000_000, 2_500_000)])
    assert result["events"] == 3 and result["reflected"] == 2
    assert result["kpi_p50_ms"] == 500.0 and result["kpi_max_ms"] == 1500.0


def test_processed_rate_is_how_fast_coverage_advanced() -> None:
    sent = Sent(stamps=[1_000_000, 2_000_000, 3_000_000], seconds=3.0)
    publishes = [_pub(2_000_000, 2_500_000), _pub(3_000_000, 4_500_000)]
    assert summary(sent, publishes)["processed_events_per_s"] == 1  # 2 more in 2 s


def test_stamped_events_validate_with_the_time_they_were_sent() -> None:
    stamper = Stamper(list(islice(simulate(SimulationConfig(days=5, scale=0.1)).events, 2000)))
    now = datetime.now(UTC)
    seen = set()
    for _ in range(len(stamper.parts) + 3):  # past the end: the source is cycled
        key, head, tail = stamper.next()
        event = parse_event(head + now.isoformat().encode() + tail)
        assert event.time == now and event.entity_key.encode() == key
        seen.add(event.id)
    assert len(seen) == len(stamper.parts) + 3, "a cycled event gets a fresh id"
