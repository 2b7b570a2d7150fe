from __future__ import annotations

import pickle
from collections import OrderedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salespulse.ingest import DedupWindow


def test_forgets_ids_older_than_the_horizon() -> None:
    w = DedupWindow(horizon_seconds=100, max_ids=1000)
    assert not w.seen("a", 0)
    assert not w.seen("b", 150)
    assert len(w) == 1  # "a" fell behind the newest event time by more than the horizon
    assert not w.seen("a", 160)


def test_size_cap_evicts_oldest_first() -> None:
    w = DedupWindow(horizon_seconds=1e9, max_ids=3)
    for i in range(5):
        w.seen(str(i), float(i))
    assert len(w) == 3
    assert not w.seen("0", 5.0)  # evicted, so seen as new
    assert w.seen("4", 5.0)


def test_same_id_far_apart_in_time_is_not_a_duplicate() -> None:
    w = DedupWindow(horizon_seconds=10, max_ids=100)
    assert not w.seen("a", 0)
    assert not w.seen("a", 11)


@pytest.mark.parametrize(("horizon", "max_ids"), [(0, 10), (-1, 10), (10, 0)])
def test_rejects_bad_parameters(horizon: float, max_ids: int) -> None:
    with pytest.raises(ValueError):
        DedupWindow(horizon, max_ids)


def test_state_pickles() -> None:
    w = DedupWindow(60, 100)
    w.seen("a", 1.0)
    assert pickle.loads(pickle.dumps(w)).seen("a", 2.0)


class _OrderedReference:
    """The previous implementation (an OrderedDict peeked per insert), as the oracle."""

    def __init__(self, horizon: float, max_ids: int) -> None:
        self.horizon, self.max_ids = horizon, max_ids
        self.ids: OrderedDict[str, float] = OrderedDict()
        self.newest = float("-inf")

    def seen(self, event_id: str, event_time: float) -> bool:
        previous = self.ids.get(event_id)
        if previous is not None and abs(event_time - previous) <= self.horizon:
            return True
        self.ids[event_id] = event_time
        self.ids.move_to_end(event_id)
        self.newest = max(self.newest, event_time)
        while self.ids:
            oldest_id, oldest_time = next(iter(self.ids.items()))
            if len(self.ids) <= self.max_ids and oldest_time >= self.newest - self.horizon:
                break
            del self.ids[oldest_id]
        return False


@settings(max_examples=300, deadline=None)
@given(
    calls=st.lists(st.tuples(st.sampled_from("abcdef"), st.integers(0, 60)), max_size=80),
    horizon=st.integers(1, 30),
    max_ids=st.integers(1, 6),
)
def test_answers_and_size_equal_the_ordered_dict_version(
    calls: list[tuple[str, int]], horizon: int, max_ids: int
) -> None:
    window, oracle = DedupWindow(horizon, max_ids), _OrderedReference(horizon, max_ids)
    for event_id, moment in calls:
        assert window.seen(event_id, moment) == oracle.seen(event_id, moment)
        assert len(window) == len(oracle.ids)
