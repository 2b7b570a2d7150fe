"""PeerOutlier: one rep far from its peers fires; small or thin peer groups never do."""

from __future__ import annotations

import doctest
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import detectors.peers as peers_module
from detectors.peers import PeerOutlier


def test_doctests() -> None:
    assert doctest.testmod(peers_module).failed == 0


@pytest.mark.parametrize("kwargs", [{"min_peers": 2}, {"k": 0}, {"min_mad": 0}, {"rel_mad": -1}])
def test_rejects_bad_parameters(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        PeerOutlier(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("leave_one_out", [True, False])
@pytest.mark.parametrize("seed", range(10))
def test_flags_the_rep_at_five_percent(seed: int, leave_one_out: bool) -> None:
    rng = random.Random(seed)
    rates: dict[str, float] = {f"rep{i}": rng.uniform(0.25, 0.35) for i in range(6)}
    rates["low"] = 0.05
    verdicts = PeerOutlier(leave_one_out=leave_one_out)(rates)
    assert [k for k, v in verdicts.items() if v.is_anomaly] == ["low"]
    low = verdicts["low"]
    assert low.direction == "drop" and low.score > 0.5
    assert low.expected is not None and 0.25 <= low.expected <= 0.35
    assert low.low is not None and low.low > 0.05


def test_does_not_fire_among_three_peers() -> None:
    verdicts = PeerOutlier()({"a": 0.30, "b": 0.32, "low": 0.05})
    assert set(verdicts) == {"a", "b", "low"}
    assert not any(v.is_anomaly for v in verdicts.values())
    assert verdicts["low"].reason == "fewer than 4 peers"


def test_small_denominators_are_skipped_and_do_not_count() -> None:
    rates = {"a": (0.30, 20.0), "b": (0.31, 30.0), "c": (0.29, 3.0), "low": (0.05, 40.0)}
    verdicts = PeerOutlier(min_denominator=5)(rates)
    assert verdicts["c"].reason == "denominator below 5"
    assert not any(v.is_anomaly for v in verdicts.values())  # only 3 eligible peers
    rates["d"] = (0.33, 10.0)
    assert PeerOutlier(min_denominator=5)(rates)["low"].is_anomaly


def test_spike_direction_and_identical_peers() -> None:
    verdicts = PeerOutlier()({"a": 10.0, "b": 10.0, "c": 10.0, "d": 10.0, "hi": 30.0})
    assert verdicts["hi"].is_anomaly and verdicts["hi"].direction == "spike"
    assert not any(verdicts[k].is_anomaly for k in "abcd")
    # MAD is 0 here: the floor (10% of the median) keeps a 1% difference quiet
    assert not PeerOutlier()({"a": 10.0, "b": 10.0, "c": 10.0, "d": 10.1})["d"].is_anomaly


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=3),
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
        max_size=12,
    )
)
@settings(max_examples=200, deadline=None)
def test_scores_are_finite_and_bounded(values: dict[str, float]) -> None:
    verdicts = PeerOutlier()(values)
    assert set(verdicts) == set(values)
    assert all(math.isfinite(v.score) and 0.0 <= v.score <= 1.0 for v in verdicts.values())


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(4, 20))
@settings(max_examples=50, deadline=None)
def test_identical_peers_never_fire(value: float, n: int) -> None:
    verdicts = PeerOutlier()({i: value for i in range(n)})
    assert not any(v.is_anomaly for v in verdicts.values())
