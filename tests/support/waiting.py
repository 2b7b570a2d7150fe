"""Waiting in async tests for a state the real broker and services reach in their own time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


async def until(
    condition: Callable[[], Awaitable[bool] | bool], timeout: float = 180, step: float = 0.2
) -> None:
    """Poll ``condition`` (plain or awaitable) until it holds; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(step)
