import asyncio
import concurrent.futures

from chinhquyen.core.aio import run_sync


async def double(x):
    await asyncio.sleep(0)
    return 2 * x


def test_runs_a_coroutine_without_a_loop():
    assert run_sync(double(21)) == 42


def test_runs_a_coroutine_beside_a_running_loop():
    async def inside():
        return run_sync(double(4))  # a synchronous caller inside a running loop

    # in a thread of its own: the test process may already run a loop (Playwright's sync API)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, inside()).result() == 8
