from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.merge import PartitionMerge

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _t(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_releases_in_event_time_order_across_partitions() -> None:
    merge: PartitionMerge[str] = PartitionMerge((0, 1))
    for offset, minute in enumerate((1, 4, 6)):
        merge.push(0, offset, _t(minute), f"p0-{minute}")
    for offset, minute in enumerate((2, 3, 7)):
        merge.push(1, offset, _t(minute), f"p1-{minute}")
    out = [item for _, _, item in merge.release(lambda p: False)]
    # p0 runs dry after minute 6 and is not caught up: minute 7 of p1 must wait
    assert out == ["p0-1", "p1-2", "p1-3", "p0-4", "p0-6"]
    assert [item for _, _, item in merge.release(lambda p: True)] == ["p1-7"]


def test_an_empty_partition_that_is_not_caught_up_holds_everything() -> None:
    merge: PartitionMerge[str] = PartitionMerge((0, 1))
    merge.push(0, 0, _t(1), "a")
    assert merge.release(lambda p: False) == []
    assert merge.release(lambda p: p == 1) == [(0, 0, "a")]


def test_hold_from_stops_a_replay_at_the_committed_offset() -> None:
    merge: PartitionMerge[str] = PartitionMerge((0,))
    for offset in range(4):
        merge.push(0, offset, _t(offset), str(offset))
    merge.hold_from(0, 2)
    assert [o for _, o, _ in merge.release(lambda p: True)] == [0, 1]
    merge.release_limits()
    assert [o for _, o, _ in merge.release(lambda p: True)] == [2, 3]


def test_a_replay_waits_for_a_partition_whose_records_below_its_limit_are_not_fetched() -> None:
    """Found by the anomaly SIGKILL test: the replay applied later days before earlier ones."""
    merge: PartitionMerge[str] = PartitionMerge((0, 1))
    merge.hold_from(0, 2)
    merge.hold_from(1, 2)
    merge.push(0, 0, _t(5), "p0-5")
    merge.push(0, 1, _t(9), "p0-9")
    assert merge.release(lambda p: True) == [], "p1's first records are not fetched yet"
    merge.push(1, 0, _t(1), "p1-1")
    merge.push(1, 1, _t(7), "p1-7")
    merge.push(1, 2, _t(8), "p1-8 (after the commit)")
    out = [item for _, _, item in merge.release(lambda p: True)]
    assert out == ["p1-1", "p0-5", "p1-7", "p0-9"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.datetimes(datetime(1970, 1, 2), datetime(2999, 12, 30)),
            st.integers(-14 * 60, 14 * 60),
        ),
        max_size=60,
    )
)
def test_the_release_order_is_the_order_of_the_times_whatever_their_offsets(
    events: list[tuple[int, datetime, int]],
) -> None:
    """Each partition in time order: the merge is the sorted whole, ties in partition then
    offset order, whatever UTC offset each event was given."""
    moments = sorted(
        (moment.replace(tzinfo=timezone(timedelta(minutes=minutes))), partition)
        for partition, moment, minutes in events
    )
    merge: PartitionMerge[datetime] = PartitionMerge((0, 1, 2, 3))
    expected = []
    for moment, partition in moments:
        offset = merge.pushed_next.get(partition, 0)
        merge.push(partition, offset, moment, moment)
        expected.append((moment, partition, offset))
    released = merge.release(lambda p: True)
    assert [(m, p, o) for p, o, m in released] == sorted(expected)
