from __future__ import annotations

import pickle

import pytest

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
