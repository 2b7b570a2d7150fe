"""aiokafka's warning for a produce it retries passes once a minute per error, counted."""

from __future__ import annotations

import logging

import pytest

from streams.repeat_log import RETRIED_PRODUCE, RepeatedRetries

LINE = RETRIED_PRODUCE + " on topic-partition %s, retrying. Error: %s"


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def logged(
    caplog: pytest.LogCaptureFixture,
) -> tuple[logging.Logger, _Clock, pytest.LogCaptureFixture]:
    clock = _Clock()
    logger = logging.getLogger("test.repeat_log")
    logger.filters.clear()
    logger.addFilter(RepeatedRetries(60.0, clock))
    caplog.set_level(logging.WARNING, logger=logger.name)
    return logger, clock, caplog


def test_repeats_within_the_interval_are_folded_into_the_next_line(
    logged: tuple[logging.Logger, _Clock, pytest.LogCaptureFixture],
) -> None:
    logger, clock, caplog = logged
    for partition in range(4):
        logger.warning(LINE, f"kpis-{partition}", "NotEnoughReplicasError")
    assert caplog.messages == [
        "Got error produce response on topic-partition kpis-0, retrying. "
        "Error: NotEnoughReplicasError"
    ]
    clock.now = 61.0
    logger.warning(LINE, "kpis-1", "NotEnoughReplicasError")
    assert caplog.messages[-1].endswith("NotEnoughReplicasError (3 more like it in the last 60 s)")
    clock.now = 62.0
    logger.warning(LINE, "kpis-2", "NotEnoughReplicasError")
    assert len(caplog.messages) == 2


def test_another_error_and_other_lines_pass(
    logged: tuple[logging.Logger, _Clock, pytest.LogCaptureFixture],
) -> None:
    logger, _, caplog = logged
    logger.warning(LINE, "kpis-0", "NotEnoughReplicasError")
    logger.warning(LINE, "kpis-0", "NotLeaderForPartitionError")
    logger.warning("broker unavailable, retrying")
    logger.warning("broker unavailable, retrying")
    assert len(caplog.messages) == 4
