"""LevelShift: fires once, soon after a level shift, never on a constant or stable series."""

from __future__ import annotations

import doctest
import math
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import detectors.changepoint as changepoint_module
from detectors.base import Point, state_bytes
from detectors.changepoint import LevelShift
from tests.support.series import T0, run, series


def test_doctests() -> None:
    assert doctest.testmod(changepoint_module).failed == 0


@pytest.mark.parametrize(
    "kwargs", [{"delta": -1}, {"threshold": 0}, {"warmup": 1}, {"fading": 0}, {"clip": 0}]
)
def test_rejects_bad_parameters(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        LevelShift(**kwargs)  # type: ignore[arg-type]


@given(
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    st.integers(min_value=1, max_value=300),
)
@settings(max_examples=60, deadline=None)
def test_constant_series_never_fires(value: float, n: int) -> None:
    assert not any(v.is_anomaly for v in run(LevelShift(), [value] * n))


@pytest.mark.parametrize("factor,direction", [(0.4, "drop"), (2.0, "spike")])
@pytest.mark.parametrize("seed", range(10))
def test_step_fires_once_within_ten_points(seed: int, factor: float, direction: str) -> None:
    verdicts = run(LevelShift(), series(seed, 600, factor, at=300))
    fired = [i for i, v in enumerate(verdicts) if v.is_anomaly]
    assert len(fired) == 1 and 300 <= fired[0] <= 310
    hit = verdicts[fired[0]]
    assert hit.score == 1.0 and hit.direction == direction
    assert hit.expected is not None and 80 < hit.expected < 120  # the level before


@pytest.mark.parametrize("seed", range(10))
def test_stable_noisy_seasonal_series_stays_quiet(seed: int) -> None:
    verdicts = run(LevelShift(), series(seed, 1000))
    assert not any(v.is_anomaly for v in verdicts)
    assert all(math.isfinite(v.score) and v.score in (0.0, 1.0) for v in verdicts)


def test_missing_values_are_skipped() -> None:
    values: list[float | None] = list(series(1, 100))
    values[50] = None
    values[51] = math.nan
    det = LevelShift()
    verdicts = [det.update(Point(T0 + timedelta(days=i), v)) for i, v in enumerate(values)]
    assert verdicts[50].reason == verdicts[51].reason == "missing value"
    assert not any(v.is_anomaly for v in verdicts)


def test_two_shifts_fire_twice() -> None:
    values = series(4, 300, 2.0, at=100)
    values[200:] = [v * 0.3 for v in values[200:]]
    fired = [(i, v.direction) for i, v in enumerate(run(LevelShift(), values)) if v.is_anomaly]
    assert [d for _, d in fired] == ["spike", "drop"]
    assert 100 <= fired[0][0] <= 110 and 200 <= fired[1][0] <= 210


def test_pickled_state_is_small() -> None:
    det = LevelShift()
    run(det, series(5, 1000, 1.5, at=500))
    size = state_bytes(det)
    print(f"LevelShift state after 1000 points: {size} bytes")
    assert size < 4096
