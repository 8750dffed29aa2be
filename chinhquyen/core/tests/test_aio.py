import asyncio

from chinhquyen.core.aio import run_sync


async def double(x):
    await asyncio.sleep(0)
    return 2 * x


def test_runs_a_coroutine_without_a_loop():
    assert run_sync(double(21)) == 42


def test_runs_a_coroutine_beside_a_running_loop():
    async def inside():
        return run_sync(double(4))  # a synchronous caller inside a running loop

    assert asyncio.run(inside()) == 8
