"""Small asyncio helpers shared across the project."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time


async def cancel_and_wait(task: asyncio.Task | None) -> None:
    """Cancel ``task`` (None is fine) and wait until it has finished, swallowing its CancelledError."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def wait_until(check, what: str, *, timeout: float = 20.0, every: float = 0.02):
    """Poll ``check()`` (plain or async) every ``every`` seconds until it returns something truthy, and return
    that; after ``timeout`` seconds raise AssertionError saying what was waited for and the last answer.
    The one way tests, benchmarks and ``Farm`` wait for a condition."""
    deadline = time.monotonic() + timeout
    while True:
        last = check()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not within {timeout:g}s (last: {last!r})"[:2000])
        await asyncio.sleep(every)
