"""Running a library's coroutine (pyHanko's timestamp and revocation clients) from our
synchronous code, also where an event loop is already running in this thread (an ASGI server, a
test process that drives Playwright's sync API): there it runs in a worker thread of its own."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
