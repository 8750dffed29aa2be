"""Running a library's coroutine (pyHanko's timestamp and revocation clients) from our
synchronous code, also where an event loop is already running in this thread (an ASGI server, a
test process that drives Playwright's sync API): there it runs in a worker thread of its own."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coroutine: Coroutine[Any, Any, T], *closing: Any) -> T:
    """Run ``coroutine`` to its end. ``closing``: objects with an ``aclose()`` coroutine (pyHanko's
    validation contexts), closed after it on the same loop, as the libraries' own synchronous
    wrappers do, so the network sessions they opened for themselves end with the operation."""
    if closing:
        coroutine = _then_close(coroutine, closing)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _then_close(coroutine: Coroutine[Any, Any, T], closing: tuple[Any, ...]) -> T:
    try:
        return await coroutine
    finally:
        for thing in closing:
            if thing is not None:
                await thing.aclose()
