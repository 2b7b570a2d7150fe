"""A stage closes every Kafka client it owns on stop, even when closing one of them fails.

The clients are stand-ins that record ``stop`` (one of them raising, as a consumer whose
coordinator is gone may); the broker-backed stops run in ``test_stage.py`` and the
fault tests.
"""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry

from salespulse.settings import Settings
from streams.kpi_service import KpiService
from streams.metrics import KpiMetrics


class _Client:
    def __init__(self, name: str, stopped: list[str], fails: bool = False) -> None:
        self.name, self.stopped, self.fails = name, stopped, fails

    async def stop(self) -> None:
        self.stopped.append(self.name)
        if self.fails:
            raise RuntimeError(f"{self.name} failed to close")


@pytest.mark.parametrize("failing", ["consumer", "producer", None])
def test_every_client_is_stopped_whichever_one_fails(failing: str | None) -> None:
    service = KpiService(Settings(), KpiMetrics.create(CollectorRegistry()))
    stopped: list[str] = []
    for name in ("consumer", "producer", "highs"):
        setattr(service, f"_{name}", _Client(name, stopped, fails=name == failing))
    if failing is None:
        asyncio.run(service.on_stop())
    else:
        with pytest.raises(RuntimeError, match=failing):
            asyncio.run(service.on_stop())
    assert stopped == ["consumer", "producer", "highs"]
