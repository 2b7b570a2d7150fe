"""CPU accounting of the benchmark: /proc reads of this process, and the cores arithmetic."""

from __future__ import annotations

import os
import time

from bench.cpu import cores, cpu_seconds, sample


def test_cpu_seconds_of_this_process_grow_while_it_computes() -> None:
    before = cpu_seconds(os.getpid())
    assert before is not None
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:
        pass
    after = cpu_seconds(os.getpid())
    assert after is not None and after - before >= 0.1


def test_a_process_that_is_gone_is_left_out() -> None:
    assert cpu_seconds(2**22 + 12345) is None
    assert set(sample({"me": os.getpid(), "gone": 2**22 + 12345, "none": None})) == {"me"}


def test_cores_is_cpu_seconds_over_wall_seconds() -> None:
    assert cores({"w": 1.0, "b": 2.0}, {"w": 3.0, "b": 2.5, "new": 1.0}, 2.0) == {
        "w": 1.0,
        "b": 0.25,
    }
    assert cores({"w": 1.0}, {"w": 2.0}, 0.0) == {}
