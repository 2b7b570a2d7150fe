from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.alerts.channels.servers import HttpReceiver


@pytest.fixture
async def receiver() -> AsyncIterator[HttpReceiver]:
    server = await HttpReceiver().start()
    yield server
    await server.stop()
